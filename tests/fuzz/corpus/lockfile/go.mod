module example.com/a

go 1.21

require (
	golang.org/x/net v0.7.0 // indirect
)
replace a => ../a
