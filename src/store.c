/* store.c — backend choice by name, expiry rules, and the commit policy
 * (commit_plan_make) that every backend carries out the same way. */
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bounds.h"

static const struct store_ops *const backends[] = { &store_file_ops,
    &store_redis_ops, &store_cookie_ops };

const struct store_ops *
store_find(const char *name)
{
	for (size_t i = 0; name && i < sizeof(backends) / sizeof(backends[0]); i++)
		if (strcmp(backends[i]->name, name) == 0)
			return backends[i];
	return NULL;
}

void
store_config_check(struct config *cfg, config_report_fn *report, void *ctx)
{
	const struct store_ops *ops = store_find(cfg->store);
	char msg[256];
	size_t n;

	if (ops != NULL) {
		if (cfg->absolute_timeout < 0)
			cfg->absolute_timeout = ops->absolute_timeout_default;
		ops->check(cfg, report, ctx);
		return;
	}
	n = (size_t)snprintf(msg, sizeof(msg), "unknown store '%.64s' (known:",
	    cfg->store ? cfg->store : "");
	for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]) &&
	    n < sizeof(msg); i++)
		n += (size_t)snprintf(msg + n, sizeof(msg) - n, "%s%s",
		    i ? ", " : " ", backends[i]->name);
	if (n < sizeof(msg))
		snprintf(msg + n, sizeof(msg) - n, ")");
	report(ctx, "session", "store", msg);
}

int
store_id_cookie_load(struct store *st, const struct keyset *ks,
    const char *value, size_t vlen, time_t now, struct record_ref *ref,
    struct stored *out)
{
	int which = cookie_value_open(ks, value, vlen, ref->id);

	memset(out, 0, sizeof(*out));
	session_init(&out->sess);
	out->state = STORED_ABSENT;
	if (which < 0)
		return 1;
	ref->keys = &ks->primary;
	ref->old_keys = which > 0 ? &ks->fallback[which - 1] : NULL;
	return st->ops->load(st, ref, now, out);
}

long
store_id_cookie_value(struct store *st, const struct keys *k,
    const uint8_t *id, const struct commit_plan *plan, char *out, size_t cap,
    char *err, size_t errlen)
{
	(void)st;
	(void)plan;
	if (cap <= COOKIE_VALUE_LEN) {
		snprintf(err, errlen, "no room for a cookie value of %d chars",
		    COOKIE_VALUE_LEN);
		return -1;
	}
	cookie_value_seal(k, id, out);
	return COOKIE_VALUE_LEN;
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

time_t
record_deadline(const struct config *cfg, int permanent, uint64_t created,
    time_t last_seen)
{
	time_t end = last_seen + (permanent ? cfg->lifetime : cfg->idle_timeout);

	/* (created < end first: no overflow, even for a header GC reads
	 * without a key.) */
	if (cfg->absolute_timeout > 0 && end > 0 && created < (uint64_t)end &&
	    (time_t)created + cfg->absolute_timeout < end)
		end = (time_t)created + cfg->absolute_timeout;
	return end;
}

int
record_expired(const struct config *cfg, int permanent, uint64_t created,
    time_t last_seen, time_t now)
{
	return now >= record_deadline(cfg, permanent, created, last_seen);
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
tombstone_expired(const struct config *cfg, time_t last_seen, time_t now)
{
	return now - last_seen >= tombstone_grace(cfg);
}

/* How long a request that changes nothing leaves the record's last access
 * alone: touch_interval, but at most a tenth of the session's timeout, so
 * that a session in use never expires by the timer lagging behind. */
static long
touch_due(const struct config *cfg, int permanent)
{
	long ttl = permanent ? cfg->lifetime : cfg->idle_timeout;

	return cfg->touch_interval < ttl / 10 ? cfg->touch_interval : ttl / 10;
}

const char *
changelog_growing_headers(const struct changelog *log)
{
	int set = 0, flash = 0;

	for (size_t i = 0; i < log->nchanges; i++) {
		set |= log->changes[i].kind == CHANGE_SET;
		flash |= log->changes[i].kind == CHANGE_FLASH;
	}
	return set && flash ? "X-Session-Set and X-Session-Flash" :
	    flash ? "X-Session-Flash" : "X-Session-Set";
}

/* What the limits count, of a session. */
struct measure {
	size_t size, nitems, nflashes;
};

static struct measure
measure_of(const struct session *s)
{
	return (struct measure){ session_encoded_size(s), s->nitems,
	    s->nflashes };
}

/* The limits on the session s a commit leaves: each one is broken only
 * when the commit grows past it (base: the stored session's measure), so
 * that a session over a limit lowered since (max_size) can still shrink,
 * or deliver its flashes. */
static int
check_limits(const struct session *s, struct measure base,
    const struct commit_in *in, char *err, size_t errlen)
{
	struct measure m = measure_of(s);
	const char *what = changelog_growing_headers(in->log);

	if (m.nitems > MAX_KEYS && m.nitems > base.nitems) {
		snprintf(err, errlen, "%s: the session would hold %zu keys, more "
		    "than %d", what, m.nitems, MAX_KEYS);
		return -1;
	}
	if (m.nflashes > MAX_FLASHES && m.nflashes > base.nflashes) {
		snprintf(err, errlen, "%s: the session would hold %zu flash "
		    "messages, more than %d", what, m.nflashes, MAX_FLASHES);
		return -1;
	}
	if (m.size > in->max_size && m.size > base.size) {
		snprintf(err, errlen, "%s: the session would be %zu bytes "
		    "(encoded), over max_size (%zu)", what, m.size, in->max_size);
		return -1;
	}
	return 0;
}

/* The stored session s stays as it is: the record is touched when due,
 * or rewritten under the new secret's name (rotation: s moves into the
 * plan). */
static void
plan_unchanged(const struct commit_in *in, const struct config *cfg,
    const struct stored *cur, struct session *s, time_t now,
    struct commit_plan *p)
{
	p->alive = 1;
	p->permanent = s->permanent;
	p->created = s->created;

	if (in->rotate) {
		p->result = *s;
		session_init(s);
		p->write_same = p->resign = 1;
		p->remove_old_name = cur->under_old_name;
	} else if (now - cur->last_seen >= touch_due(cfg, s->permanent))
		p->touch = 1;
	p->seen = in->rotate || p->touch ? now : cur->last_seen;
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
	struct measure before = { 0, 0, 0 };

	memset(p, 0, sizeof(*p));
	session_init(&p->result);
	if (in->loaded && cur->state == STORED_TOMBSTONE) {
		/* Cleared or regenerated meanwhile: never resurrect it, never
		 * overwrite the newer cookie the client holds by now. */
		p->blocked = 1;
		return 0;
	}
	if (base_live && !has_changes) {
		plan_unchanged(in, cfg, cur, &cur->sess, now, p);
		return 0;
	}
	if (!has_changes)
		return 0;

	if (base_live) {
		before = measure_of(&cur->sess);
		p->result = cur->sess;
		session_init(&cur->sess);
		was_permanent = p->result.permanent;
	} else
		p->result.created = (uint64_t)now;
	if (changelog_replay(in->log, &p->result, (uint64_t)now, &o) < 0) {
		snprintf(err, errlen, "out of memory merging the session");
		goto fail;
	}
	if (base_live && !o.changed) {
		/* A key set to the value it has, an unset of a missing key:
		 * as a request without directives, nothing is written.  The
		 * session goes back where it came from. */
		cur->sess = p->result;
		session_init(&p->result);
		plan_unchanged(in, cfg, cur, &cur->sess, now, p);
		return 0;
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
	if (check_limits(&p->result, before, in, err, errlen) < 0)
		goto fail;
	p->alive = 1;
	p->permanent = p->result.permanent;
	p->created = p->result.created;
	p->seen = now;
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

const char *
session_login(const struct config *cfg, const struct session *s, size_t *len)
{
	const struct session_item *it = cfg->login_key == NULL ? NULL :
	    session_get(s, cfg->login_key, strlen(cfg->login_key));

	if (it == NULL || it->vlen == 0)
		return NULL;
	*len = it->vlen;
	return it->value;
}

int
index_before_take(const struct config *cfg, const struct stored *cur,
    struct index_before *b)
{
	const char *u = NULL;

	memset(b, 0, sizeof(*b));
	if (cur->state == STORED_LIVE)
		u = session_login(cfg, &cur->sess, &b->ulen);
	b->under_old_name = cur->under_old_name;
	if (u == NULL)
		return 0;
	if ((b->user = malloc(b->ulen + 1)) == NULL)
		return -1;
	memcpy(b->user, u, b->ulen);
	b->user[b->ulen] = '\0';
	return 0;
}

void
index_before_free(struct index_before *b)
{
	free(b->user);
	b->user = NULL;
}

static int
same_entry(const struct index_entry *a, const struct index_entry *b)
{
	return a->k == b->k && memcmp(a->id, b->id, SESSION_ID_LEN) == 0 &&
	    a->ulen == b->ulen && memcmp(a->user, b->user, a->ulen) == 0;
}

void
index_plan_make(const struct config *cfg, const struct record_ref *ref,
    const struct commit_in *in, const struct index_before *b,
    const struct commit_plan *p, struct index_plan *ip)
{
	struct index_entry old = { 0 };
	int had = 0;

	memset(ip, 0, sizeof(*ip));
	if (p->blocked)
		return;
	if (in->loaded && b->user != NULL) {
		old.k = b->under_old_name && ref->old_keys ? ref->old_keys :
		    ref->keys;
		old.id = ref->id;
		old.user = b->user;
		old.ulen = b->ulen;
		had = 1;
	}
	/* A record written with a login in it: its entry first. */
	if (p->alive && (p->write_new || p->write_same) &&
	    (ip->added.user = session_login(cfg, &p->result,
	    &ip->added.ulen)) != NULL) {
		ip->add = 1;
		ip->added.k = ref->keys;
		ip->added.id = p->write_new ? in->fresh_id : ref->id;
		ip->add_known = had && same_entry(&ip->added, &old);
	}
	/* The record that named the user is ended, renamed, or no longer
	 * names that user: its entry goes, afterwards. */
	if (had && (p->tombstone_old || p->remove_old || p->remove_old_name ||
	    p->write_new || p->write_same) && !ip->add_known) {
		ip->removed[0] = old;
		ip->nremove = 1;
	}
}
