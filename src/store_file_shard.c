/* store_file_shard.c — the file store's shard directories and their
 * locks, which its records (store_file.c) and its per-user index
 * (store_file_index.c) both take. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "store_file_shard.h"

#define LOCK_NAME ".lock"

int
shard_open(struct file_store *fs, const char *shard, int create)
{
	int fd = openat(fs->dirfd, shard,
	    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0 && errno == ENOENT && create) {
		if (mkdirat(fs->dirfd, shard, 0700) < 0 && errno != EEXIST) {
			if (errno == ENOENT)    /* in a directory unlinked */
				log_error("session store %s: the directory was "
				    "removed while sessionwrap ran; a restart or a "
				    "reload (SIGHUP) makes it again", fs->dir);
			else
				log_error("session store %s/%s: mkdir: %s", fs->dir,
				    shard, strerror(errno));
			return -1;
		}
		fd = openat(fs->dirfd, shard,
		    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	}
	if (fd < 0 && errno == ENOENT && !create)
		return -2;
	if (fd < 0)
		log_error("session store %s/%s: %s", fs->dir, shard,
		    strerror(errno));
	return fd;
}

int
shard_lock(struct file_store *fs, int shardfd, const char *shard, int op)
{
	int fd = openat(shardfd, LOCK_NAME,
	    O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);

	if (fd < 0) {
		log_error("session store %s/%s/%s: %s", fs->dir, shard, LOCK_NAME,
		    strerror(errno));
		return -1;
	}
	while (flock(fd, op) < 0) {
		if (errno == EINTR)
			continue;
		log_error("session store %s/%s/%s: flock: %s", fs->dir, shard,
		    LOCK_NAME, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

int
shard_hex_name(const char *s, size_t len)
{
	if (strlen(s) != len)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}
