/* bounds.h — every hard limit of sessionwrap, in one place.
 *
 * Each parser refuses input beyond these; each has a test at its limit.
 * The environment limits are chosen so that whatever a commit accepted can
 * always be passed to execve(): Linux refuses one string over
 * MAX_ARG_STRLEN (32 pages = 128 KiB) and the whole over ARG_MAX/4 of the
 * stack limit (2 MiB with the usual 8 MiB stack). */
#ifndef SW_BOUNDS_H
#define SW_BOUNDS_H

/* CGI response header block (child stdout up to the blank line). */
#define MAX_HEADER_BLOCK   (64 * 1024)
#define MAX_HEADERS        128

/* Child environment. */
#define MAX_ENV_STRING     (128 * 1024 - 1)   /* one "NAME=value", without NUL */
#define MAX_ENV_TOTAL      (1024 * 1024)      /* all strings, with NULs      */
#define MAX_ENV_COUNT      4096
#define MAX_PARAM_NAME     256                /* longer: not passed          */

/* The FastCGI request head (BEGIN_REQUEST and the PARAMS stream), read
 * before any program runs: the params' bytes with their length prefixes,
 * how many, one value; and the time it may take from the accept. */
#define MAX_PARAMS_TOTAL   (256 * 1024)
#define MAX_PARAMS         1024
#define MAX_PARAM_VALUE    (64 * 1024)
#define PARAMS_TIMEOUT     10                 /* seconds */

/* [handler] timeout bounds the whole request, the answer's writing too.
 * Past it, what is still being written (the 504, the end of the records)
 * gets CUT_GRACE more seconds, then the connection is cut.  At the close
 * we read what the web server still sends (so that our answer is not lost
 * to a reset) for at most DRAIN_TIME seconds, DRAIN_MAX bytes. */
#define CUT_GRACE          1
#define DRAIN_TIME         1
#define DRAIN_MAX          (64 * 1024)

/* Session contents.  max_size counts the form-encoded session plus its
 * pending flash messages, so SESSION, HTTP_SESSION and SESSIONWRAP_FLASH
 * each stay below it and below MAX_ENV_STRING. */
#define MAX_SESSION_SIZE_LIMIT (120 * 1024)   /* highest max_size accepted  */
#define DEFAULT_SESSION_SIZE   (64 * 1024)
#define MAX_KEY_LEN        256
#define MAX_KEYS           1024
#define MAX_FLASHES        64
#define ENV_KEY_MAX        64                 /* SESSION_<key> name part     */

/* Cookie header. */
#define MAX_COOKIE_HEADER  (16 * 1024)
#define MAX_SESSION_COOKIES 16      /* of our name, tried in turn      */
/* Our Set-Cookie besides its value (name, Path, Domain, Expires and the
 * flags): a [cookie] section that makes it longer is refused at start.
 * The value is as long as the store backend makes it. */
#define MAX_SET_COOKIE_ATTRS 959
/* The cookie store's value ([session] cookie_max): browsers keep a cookie
 * of at most 4096 bytes, name (64 at most) and '=' included. */
#define MAX_COOKIE_STORE_VALUE 4000
#define MIN_COOKIE_STORE_VALUE 256   /* an empty session takes ~150 */

/* The reason phrase of a child's Status header: passed on cut to this
 * many bytes (at a UTF-8 character's start), with a log line.  Web servers
 * read the status line into a buffer of a few KiB (nginx: one page). */
#define MAX_STATUS_REASON  256

/* Directive headers from the child. */
#define MAX_DIRECTIVES     256

/* Child stderr is forwarded line by line; longer lines are split.  Each
 * goes after the program's path, of which this much is shown. */
#define MAX_STDERR_LINE    4096
#define MAX_STDERR_PATH    1024

/* The body of an answer whose session has changes, held back until the
 * child has exited (the commit point, README): past this much the session
 * commits and the body streams, so a crash later cannot undo it. */
#define COMMIT_HOLD        (64 * 1024)

/* The answer held back by the transport (while request body bytes are due:
 * nginx stops sending the body once it has the answer's header, Apache
 * mod_fcgid sends all of it before it reads; and until the commit): kept in
 * memory up to HELD_IN_MEMORY, then in a temporary file; past MAX_HELD the
 * child's output waits. */
#define HELD_IN_MEMORY     (256 * 1024)
#define MAX_HELD           (1024LL * 1024 * 1024)
/* Held when the request ends before its body is in: sent if this small
 * (it fits in any socket buffer: an error answer), else dropped. */
#define HELD_SENT_ANYWAY   4096

/* What a program leaves behind (processes that escaped its process group)
 * is killed after its request, at least one generation per pass, in at most
 * this many passes; anything still left is killed after the next request. */
#define MAX_KILL_ROUNDS    64

/* Config. */
#define MAX_WORKERS        256      /* workers and max_workers */
#define MAX_ROOTS          16
#define MAX_PASS_ENV       32
#define MAX_REDIS_SENTINELS 8      /* [redis] sentinels entries */
#define MAX_REDIS_PREFIX   64      /* [redis] prefix bytes */
#define MAX_REDIS_DB       15      /* [redis] db (Redis's 16 databases) */
#define MAX_REDIS_REPLICAS 16      /* [redis] wait_replicas */
#define MAX_REDIS_PASSWORD 512     /* [redis] password_file bytes */
#define MAX_TRUSTED_ORIGINS 16     /* [session] trusted_origins entries */

/* csrf = token looks for the csrf_token field of a urlencoded body in
 * this much of its start, read before the program runs (and then handed
 * to it with the rest): a token further on is not seen, and the request
 * is refused. */
#define CSRF_BODY_PREFIX   (64 * 1024)

/* [access] and the built-in login (access.c, pwfile.c, login.c). */
#define MAX_ACCESS_RULES   64      /* rule1 .. rule64 */
#define MAX_ACCESS_RULE    1024    /* bytes of one rule's text */
#define MAX_ACCESS_USERS   32      /* names of one "user" rule */
#define MAX_ACCESS_PATH    4096    /* SCRIPT_NAME + PATH_INFO matched */
#define MAX_NEXT_PATH      2048    /* where the login form sends one back */
#define MAX_LOGIN_BODY     8192    /* the form's POST body */
#define MAX_LOGIN_NAME     64      /* a user name (password file, form) */
#define MAX_PASSWORD       1024    /* a password typed into the form */
#define MAX_PASSWORD_FILE  (1024 * 1024)   /* bytes of password_file */
#define MAX_PASSWORD_LINE  512     /* one "name:hash" line */
#define MAX_LOGIN_TEMPLATE (64 * 1024)     /* bytes of login_template */
#define MAX_LOGIN_PAGE     (256 * 1024)    /* the page made from it */
#define MAX_LOGIN_FAILURES 1000    /* [access] max_failures */

#endif
