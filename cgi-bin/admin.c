/* cgi-bin/admin.c — the demo's admin page, a CGI program in C: visible only
 * to a session whose `role` is "admin" (403 for everyone else).  It lists
 * the whole session as the program receives it in SESSION (form-encoded,
 * keys in byte order), decoded and HTML-escaped. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

static const char *
env(const char *name)
{
	const char *v = getenv(name);

	return v ? v : "";
}

/* Write s (n bytes) HTML-escaped. */
static void
put_html(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		switch (s[i]) {
		case '&': fputs("&amp;", stdout); break;
		case '<': fputs("&lt;", stdout); break;
		case '>': fputs("&gt;", stdout); break;
		case '"': fputs("&quot;", stdout); break;
		case '\'': fputs("&#39;", stdout); break;
		default: putchar(s[i]);
		}
	}
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode n bytes of form encoding into out (at least n bytes); returns the
 * decoded length. */
static size_t
form_decode(const char *s, size_t n, char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '+') {
			out[o++] = ' ';
		} else if (s[i] == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 &&
		    hexval(s[i + 2]) >= 0) {
			out[o++] = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
			i += 2;
		} else {
			out[o++] = s[i];
		}
	}
	return o;
}

/* Write one form-encoded field, decoded and escaped. */
static void
put_field(const char *s, size_t n)
{
	char *buf = malloc(n + 1);

	if (!buf)
		exit(1);
	put_html(buf, form_decode(s, n, buf));
	free(buf);
}

/* One "key=value" field of a form-encoded string (still encoded): the
 * field at *s, its key s[0, *klen), its value after the '=' up to *len;
 * *s moves past it.  0 at the end. */
static int
next_field(const char **s, const char **field, size_t *klen, size_t *len)
{
	if (**s == '\0')
		return 0;
	*field = *s;
	*len = strcspn(*s, "&");
	*klen = strcspn(*s, "=");
	if (*klen > *len)
		*klen = *len;
	*s += *len;
	if (**s == '&')
		(*s)++;
	return 1;
}

/* Items in the cart: one SESSION_cart_<item>_<random> variable each (see
 * cart.cgi). */
static size_t
cart_count(void)
{
	size_t n = 0;

	for (char **e = environ; *e; e++)
		n += strncmp(*e, "SESSION_cart_", 13) == 0;
	return n;
}

/* The pending flash messages (SESSIONWRAP_FLASH, "category=message&..."),
 * shown once as lib/demo.sh shows them: sessionwrap hands them to this
 * request only. */
static void
flashes(void)
{
	const char *s = env("SESSIONWRAP_FLASH");

	const char *f;
	size_t klen, len;

	while (next_field(&s, &f, &klen, &len)) {
		char cat[16];
		size_t c = 0;

		for (size_t i = 0; i < klen && c < sizeof(cat) - 1; i++)
			if (f[i] >= 'a' && f[i] <= 'z')
				cat[c++] = f[i];
		cat[c] = '\0';
		printf("<p class=\"flash %s\">", c ? cat : "info");
		if (klen < len)
			put_field(f + klen + 1, len - klen - 1);
		fputs("</p>\n", stdout);
	}
}

/* The page frame the sh pages draw with lib/demo.sh, in C. */
static void
page_start(const char *status, const char *title)
{
	const char *user = env("SESSION_user");

	printf("Status: %s\r\nContent-Type: text/html; charset=utf-8\r\n"
	    "Cache-Control: no-store\r\n\r\n", status);
	printf("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	    "<title>%s — sessionwrap demo</title>\n"
	    "<link rel=\"stylesheet\" href=\"style.css\">\n</head>\n"
	    "<body class=\"%s\">\n<header>\n"
	    "<a class=\"brand\" href=\"index.cgi\">sessionwrap demo</a>\n<nav>\n"
	    "<a href=\"index.cgi\">Home</a>\n<a href=\"pet.cgi\">Pet</a>\n"
	    "<a href=\"cart.cgi\">Cart <span class=\"badge\" id=\"cart-count\">%zu</span></a>\n"
	    "<a href=\"prefs.cgi\">Preferences</a>\n<a href=\"wizard.cgi\">Wizard</a>\n"
	    "<a href=\"admin.cgi\">Admin</a>\n<a href=\"whoami.cgi\">Who am I</a>\n"
	    "</nav>\n<div class=\"user\">\n", title,
	    strcmp(env("SESSION_theme"), "dark") == 0 ? "dark" : "light", cart_count());
	if (*user) {
		fputs("<a href=\"profile.cgi\">", stdout);
		put_html(user, strlen(user));
		fputs("</a>\n<form method=\"post\" action=\"logout.cgi\" class=\"inline\">"
		    "<input type=\"hidden\" name=\"csrf_token\" value=\"", stdout);
		put_html(env("SESSIONWRAP_CSRF_TOKEN"), strlen(env("SESSIONWRAP_CSRF_TOKEN")));
		fputs("\"><button type=\"submit\">Log out</button></form>\n", stdout);
	} else {
		fputs("<a href=\"login.cgi\">Log in</a>\n", stdout);
	}
	printf("</div>\n</header>\n<main>\n<h1>%s</h1>\n", title);
	flashes();
}

static void
page_end(void)
{
	fputs("</main>\n<footer>Plain CGI programs in sh, Perl and C; the sessions "
	    "are sessionwrap&#39;s.</footer>\n</body>\n</html>\n", stdout);
}

int
main(void)
{
	const char *s = env("SESSION"), *f;
	size_t klen, len;

	if (strcmp(env("SESSION_role"), "admin") != 0) {
		page_start("403 Forbidden", "Forbidden");
		fputs("<p id=\"denied\">403 Forbidden: this page is for users with the "
		    "role <code>admin</code>. <a href=\"login.cgi\">Log in as admin</a>.</p>\n",
		    stdout);
		page_end();
		return 0;
	}
	page_start("200 OK", "Admin");
	fputs("<p id=\"admin-ok\">Welcome, administrator. This is your session as "
	    "this C program receives it in <code>SESSION</code>:</p>\n"
	    "<table>\n<tr><th>key</th><th>value</th></tr>\n", stdout);
	while (next_field(&s, &f, &klen, &len)) {
		fputs("<tr><td>", stdout);
		put_field(f, klen);
		fputs("</td><td>", stdout);
		if (klen < len)
			put_field(f + klen + 1, len - klen - 1);
		fputs("</td></tr>\n", stdout);
	}
	fputs("</table>\n", stdout);
	page_end();
	return 0;
}
