/* fdcheck — a CGI program that lists the file descriptors it was given. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>

int
main(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int self = dirfd(d);

	printf("Content-Type: text/plain\r\n\r\n");
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' || atoi(e->d_name) == self)
			continue;
		printf("%s\n", e->d_name);
	}
	closedir(d);
	return 0;
}
