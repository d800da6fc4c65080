/*
 * lockfile: the dependency pins of a repository's lockfiles, parsed from
 * their text alone (the osv engine reads the committed blobs; nothing of
 * the repository is run).  Pure: no I/O, no global state.
 *
 * Formats (by file name, lockfile_kind()):
 *   requirements*.txt   PyPI: `name==version` (or ===) is a pin; anything
 *                       else (a range, no version, a URL, `-e`) is kept as
 *                       unpinned, never dropped; markers and `--hash` are
 *                       read past (the pin is audited whatever the marker
 *                       says); `-r FILE` includes are returned for the
 *                       caller to read (paths from the repository's root)
 *   package-lock.json, npm-shrinkwrap.json   npm, lockfileVersion 2 or 3
 *                       (the "packages" map; links and non-registry
 *                       versions are not npm pins)
 *   Pipfile.lock        PyPI, "default" and "develop" (`==version`)
 *   poetry.lock, uv.lock, Cargo.lock   TOML (toml_walk below): [[package]]
 *                       name and version; git, path and editable sources
 *                       are not registry pins
 *   go.mod              Go, `require` lines and blocks (the versions the
 *                       module graph selects from; go.sum holds versions
 *                       the build does not use, so it is not read)
 *
 * Contract: lockfile_parse() returns 0 with the pins appended to s, or -1
 * with why ("line N: ...") and s as it was before the call.  Every string
 * has a cap; a name or version over it is an error, never a truncation.
 * Names of PyPI packages come out normalised (PEP 503), Go versions
 * without their leading "v" (as OSV writes them).
 */
#ifndef ORCH_LOCKFILE_H
#define ORCH_LOCKFILE_H

#include <stddef.h>

enum lock_kind {
	LOCK_NONE,
	LOCK_REQUIREMENTS,
	LOCK_NPM,
	LOCK_PIPFILE,
	LOCK_POETRY,
	LOCK_UV,
	LOCK_CARGO,
	LOCK_GOMOD
};

#define LOCK_MAX_INCLUDES 16 /* -r includes of one requirements file */
#define LOCK_MAX_TEXT (16 * 1024 * 1024)

struct lockpkg {
	char eco[16]; /* OSV ecosystem: PyPI, npm, Go, crates.io */
	char name[128];
	char version[64]; /* the pin; for an unpinned requirement, its specifier ("" for any) */
	char file[256];
	int line; /* 1-based line of the pin in file */
	int pinned;
};

struct lockset {
	size_t n, cap;
	struct lockpkg *v;
	size_t nincludes;
	char includes[LOCK_MAX_INCLUDES][256]; /* -r files named by the last requirements file parsed */
};

/* The kind of a file by its path (basename); LOCK_NONE when it is not one orch reads. */
enum lock_kind lockfile_kind(const char *path);
const char *lockfile_kind_name(enum lock_kind k);
int lockfile_parse(enum lock_kind k, const char *path, const char *text, size_t len, struct lockset *s,
    char *why, size_t wn);
void lockset_free(struct lockset *s);
/* PEP 503: lower case, every run of '-', '_' and '.' one '-'. */
void lock_pypi_name(const char *in, size_t len, char *out, size_t n);

#endif
