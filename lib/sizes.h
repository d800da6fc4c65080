/*
 * sizes: the buffer sizes orch's paths and commit ids are held in, named
 * once (issue 22).  A header only, at layer 0: everything may include it.
 *
 * The path ladder: a path orch is given (ORCH_HOME, a repository, a
 * worktree) fits ORCH_PATH_MAX; each rung above it is that path with one
 * more name under it (a directory, then a file, then a suffix), about
 * 100 bytes a rung.  A path built into a rung's buffer is checked for
 * truncation (str_fmt) like any other: the rungs only make it rare.
 */
#ifndef ORCH_SIZES_H
#define ORCH_SIZES_H

#define ORCH_PATH_MAX 4096   /* a path orch is given */
#define ORCH_PATH_MAX_1 4200 /* ... and one name under it: <home>/deploy-state/<project>/<WI> */
#define ORCH_PATH_MAX_2 4300 /* ... and two: a sentinel in that directory */
#define ORCH_PATH_MAX_3 4400 /* ... and three: a report or a temp file beside it */

#define ORCH_SHA_LEN 40                 /* a commit or blob id in hex (SHA-1) */
#define ORCH_SHA_BUF (ORCH_SHA_LEN + 1) /* the buffer that holds one */

#endif
