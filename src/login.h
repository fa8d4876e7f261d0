/* login.h — what sessionwrap answers itself, without a child: the
 * built-in login form (GET and POST at [access] login_path), logout
 * (POST at logout_path), and the answer to a request an [access] rule
 * refuses (303 to the form, or 403).  The rules are access.c's, the
 * password file pwfile.c's; this module reads the form's body and the
 * files, and answers. */
#ifndef SW_LOGIN_H
#define SW_LOGIN_H

#include <stddef.h>
#include <time.h>

#include "access.h"
#include "config.h"
#include "keeper.h"
#include "response.h"
#include "transport.h"
#include "visit.h"

struct login {
	const struct config *cfg;
	struct access_rule rules[MAX_ACCESS_RULES];
	int nrules;
};

/* The config_check_fn of [access]: each rule parses, the paths are
 * plain, the rules and the form have sessions, password_file and
 * login_template can be read and are right. */
void login_config_check(const struct config *cfg, config_report_fn *report,
    void *ctx);

/* Parse cfg's rules (checked already).  0, or -1 with err. */
int login_init(struct login *l, const struct config *cfg, char *err,
    size_t errlen);

/* Before the script is resolved: when the request is for login_path or
 * logout_path and the form is on (password_file), answer it and return
 * 1; else 0. */
int login_serve(struct login *l, struct keeper *k, struct transport *t,
    struct response *r);

/* With the request's session loaded: 1 when an access rule refuses the
 * request (answered: 303 to the login form, 403, or 400 for a path that
 * cannot be matched), 0 when the child may run. */
int login_gate(struct login *l, struct visit *visit, struct transport *t,
    struct response *r);

/* Pure, for tests: the page of the template tmpl[0..tlen) with
 * {{action}}, {{token}}, {{next}} and {{message}} replaced by the values
 * HTML-escaped, into out (cap bytes).  Its length, or -1 when it does not
 * fit or the template names another {{...}} (err says which). */
struct login_page {
	const char *action, *token, *next, *message;
};
long login_render(const char *tmpl, size_t tlen, const struct login_page *pg,
    char *out, size_t cap, char *err, size_t errlen);

/* Pure, for tests: how many seconds a login must wait after count
 * failures (of one name, limit max_failures; of one address, limit 10 x
 * max_failures), the last at last: none up to half the limit, then 2,
 * 4, 8... seconds, and lockout once the limit is reached.  0: it may be
 * tried now. */
long login_wait(long count, time_t last, time_t now, long limit,
    long lockout);

#endif
