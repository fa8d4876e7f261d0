/* transport.h — how a request reaches us and its answer leaves: FastCGI
 * (libfcgi) or plain CGI (environment, stdin, stdout). */
#ifndef SW_TRANSPORT_H
#define SW_TRANSPORT_H

#include <fcgiapp.h>
#include <stddef.h>

struct transport {
	char **envp;             /* the request's params, NAME=value */
	int body_fd;             /* pollable source of the request body */
	int watch_abort;         /* body_fd readable after the body = gave up */
	FCGX_Request *fcgi;      /* NULL in CGI mode */
	int failed;              /* a write to the web server failed */
};

void transport_fcgi(struct transport *t, FCGX_Request *req);
void transport_cgi(struct transport *t, char **environ_);

const char *transport_param(const struct transport *t, const char *name);
size_t transport_body_buffered(void *t);
long transport_body_read(void *t, char *buf, size_t n);
/* 0, or -1 once the web server is gone (then t->failed is set). */
int transport_write(struct transport *t, const char *buf, size_t n);
void transport_log(struct transport *t, const char *buf, size_t n);
void transport_flush(struct transport *t);

#endif
