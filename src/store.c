/* store.c — backend choice by name, expiry rules, and the commit policy
 * (commit_plan_make) that every backend carries out the same way. */
#include "store.h"

#include <stdio.h>
#include <string.h>

#include "bounds.h"

static const struct store_ops *const backends[] = { &store_file_ops };

const struct store_ops *
store_find(const char *name)
{
	for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++)
		if (strcmp(backends[i]->name, name) == 0)
			return backends[i];
	return NULL;
}

void
stored_free(struct stored *st)
{
	session_free(&st->sess);
	st->state = STORED_ABSENT;
}

void
commit_plan_free(struct commit_plan *p)
{
	session_free(&p->result);
}

int
record_expired(const struct config *cfg, int permanent, uint64_t created,
    time_t mtime, time_t now)
{
	long ttl = permanent ? cfg->lifetime : cfg->idle_timeout;

	if (now - mtime >= ttl)
		return 1;
	if (cfg->absolute_timeout > 0 &&
	    (int64_t)now - (int64_t)created >= cfg->absolute_timeout)
		return 1;
	return 0;
}

long
tombstone_grace(const struct config *cfg)
{
	/* config_load derives it; a zero left by config_defaults alone means
	 * the same default. */
	return cfg->tombstone_grace > 0 ? cfg->tombstone_grace :
	    2 * cfg->timeout + 60;
}

int
tombstone_expired(const struct config *cfg, time_t mtime, time_t now)
{
	return now - mtime >= tombstone_grace(cfg);
}

static int
check_limits(const struct session *s, size_t max_size, char *err,
    size_t errlen)
{
	size_t size;

	if (s->nitems > MAX_KEYS) {
		snprintf(err, errlen, "session holds %zu keys, more than %d",
		    s->nitems, MAX_KEYS);
		return -1;
	}
	if (s->nflashes > MAX_FLASHES) {
		snprintf(err, errlen, "session holds %zu flash messages, more "
		    "than %d", s->nflashes, MAX_FLASHES);
		return -1;
	}
	size = session_encoded_size(s);
	if (size > max_size) {
		snprintf(err, errlen, "session of %zu bytes (encoded) is over "
		    "max_size (%zu)", size, max_size);
		return -1;
	}
	return 0;
}

int
commit_plan_make(const struct commit_in *in, const struct config *cfg,
    struct stored *cur, time_t now, struct commit_plan *p, char *err,
    size_t errlen)
{
	int has_changes = in->log->nchanges > 0;
	int base_live = in->loaded && cur->state == STORED_LIVE;
	int was_permanent = 0;
	struct replay_outcome o;

	memset(p, 0, sizeof(*p));
	session_init(&p->result);
	if (in->loaded && cur->state == STORED_TOMBSTONE) {
		/* Cleared or regenerated meanwhile: never resurrect it, never
		 * overwrite the newer cookie the client holds by now. */
		p->blocked = 1;
		return 0;
	}
	if (base_live && !has_changes) {
		p->alive = 1;
		p->permanent = cur->sess.permanent;
		p->created = cur->sess.created;
		if (in->rotate) {
			p->result = cur->sess;
			session_init(&cur->sess);
			p->write_same = p->resign = 1;
			p->remove_old_name = cur->under_old_name;
		} else if (now - cur->mtime >= cfg->touch_interval)
			p->touch = 1;
		return 0;
	}
	if (!has_changes)
		return 0;

	if (base_live) {
		p->result = cur->sess;
		session_init(&cur->sess);
		was_permanent = p->result.permanent;
	} else
		p->result.created = (uint64_t)now;
	if (changelog_replay(in->log, &p->result, (uint64_t)now, &o) < 0) {
		snprintf(err, errlen, "out of memory merging the session");
		goto fail;
	}
	if (session_is_empty(&p->result)) {
		/* Empty session = no session: nothing stored, cookie expired. */
		if (base_live) {
			if (o.cleared || o.regenerated)
				p->tombstone_old = 1;
			else
				p->remove_old = 1;
			p->remove_old_name = cur->under_old_name;
		}
		p->expire_cookie = in->loaded || o.cleared;
		session_free(&p->result);
		return 0;
	}
	if (check_limits(&p->result, in->max_size, err, errlen) < 0)
		goto fail;
	p->alive = 1;
	p->permanent = p->result.permanent;
	p->created = p->result.created;
	p->permanence_changed = p->result.permanent != was_permanent;
	if (!base_live || o.cleared || o.regenerated) {
		p->write_new = p->id_changed = 1;
		p->tombstone_old = base_live;
	} else {
		p->write_same = 1;
		p->resign = in->rotate;
	}
	p->remove_old_name = base_live && cur->under_old_name;
	return 0;
fail:
	commit_plan_free(p);
	memset(p, 0, sizeof(*p));
	return -1;
}
