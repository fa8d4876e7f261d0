/* session.c — the session model and the replay of a request's change log
 * onto the record as it is stored at commit time.  Replaying the log (not
 * writing back the request's copy) is what makes the merge three-way per
 * key: keys this request did not touch keep whatever is stored now. */
#include "session.h"

#include <stdlib.h>
#include <string.h>

#include "form.h"

/* A NUL-terminated copy of len bytes, or NULL. */
static char *
copy_bytes(const char *p, size_t len)
{
	char *c = malloc(len + 1);

	if (c == NULL)
		return NULL;
	if (len > 0)
		memcpy(c, p, len);
	c[len] = '\0';
	return c;
}

/* Bytewise order; a prefix sorts first. */
static int
key_compare(const char *a, size_t alen, const char *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	if (c != 0)
		return c;
	return alen < blen ? -1 : alen > blen;
}

/* Index of key, or of where it would go (*found says which). */
static size_t
item_search(const struct session *s, const char *key, size_t klen, int *found)
{
	size_t lo = 0, hi = s->nitems;

	*found = 0;
	/* Records are decoded in order: try the end first. */
	if (hi > 0 && key_compare(s->items[hi - 1].key, s->items[hi - 1].klen,
	        key, klen) < 0)
		return hi;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = key_compare(s->items[mid].key, s->items[mid].klen, key, klen);
		if (c == 0) {
			*found = 1;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void
session_init(struct session *s)
{
	memset(s, 0, sizeof(*s));
}

static void
flash_free(struct session_flash *f)
{
	free(f->category);
	free(f->message);
}

void
session_free(struct session *s)
{
	for (size_t i = 0; i < s->nitems; i++) {
		free(s->items[i].key);
		free(s->items[i].value);
	}
	for (size_t i = 0; i < s->nflashes; i++)
		flash_free(&s->flashes[i]);
	free(s->items);
	free(s->flashes);
	session_init(s);
}

const struct session_item *
session_get(const struct session *s, const char *key, size_t klen)
{
	int found;
	size_t i = item_search(s, key, klen, &found);

	return found ? &s->items[i] : NULL;
}

int
session_set(struct session *s, const char *key, size_t klen, const char *value,
    size_t vlen)
{
	int found;
	size_t i = item_search(s, key, klen, &found);
	char *v = copy_bytes(value, vlen), *k = NULL;

	if (v == NULL)
		return -1;
	if (found) {
		free(s->items[i].value);
		s->items[i].value = v;
		s->items[i].vlen = vlen;
		return 0;
	}
	if (s->nitems == s->itemcap) {
		size_t cap = s->itemcap ? 2 * s->itemcap : 8;
		struct session_item *grown = realloc(s->items, cap * sizeof(*grown));
		if (grown == NULL)
			goto fail;
		s->items = grown;
		s->itemcap = cap;
	}
	if ((k = copy_bytes(key, klen)) == NULL)
		goto fail;
	memmove(&s->items[i + 1], &s->items[i],
	    (s->nitems - i) * sizeof(s->items[0]));
	s->items[i] = (struct session_item){ k, klen, v, vlen };
	s->nitems++;
	return 0;
fail:
	free(v);
	return -1;
}

void
session_unset(struct session *s, const char *key, size_t klen)
{
	int found;
	size_t i = item_search(s, key, klen, &found);

	if (!found)
		return;
	free(s->items[i].key);
	free(s->items[i].value);
	memmove(&s->items[i], &s->items[i + 1],
	    (s->nitems - i - 1) * sizeof(s->items[0]));
	s->nitems--;
}

void
session_clear(struct session *s, uint64_t now)
{
	uint64_t next = s->next_flash_seq;

	session_free(s);
	s->next_flash_seq = next;     /* seqs never repeat within a record */
	s->created = now;
}

int
session_flash_append(struct session *s, uint64_t seq, const char *category,
    size_t clen, const char *message, size_t mlen)
{
	struct session_flash f = { seq, NULL, clen, NULL, mlen };

	if (s->nflashes == s->flashcap) {
		size_t cap = s->flashcap ? 2 * s->flashcap : 4;
		struct session_flash *grown = realloc(s->flashes, cap * sizeof(*grown));
		if (grown == NULL)
			return -1;
		s->flashes = grown;
		s->flashcap = cap;
	}
	f.category = copy_bytes(category, clen);
	f.message = copy_bytes(message, mlen);
	if (f.category == NULL || f.message == NULL) {
		flash_free(&f);
		return -1;
	}
	s->flashes[s->nflashes++] = f;
	if (seq >= s->next_flash_seq)
		s->next_flash_seq = seq + 1;
	return 0;
}

int
session_flash_add(struct session *s, const char *category, size_t clen,
    const char *message, size_t mlen)
{
	return session_flash_append(s, s->next_flash_seq, category, clen,
	    message, mlen);
}

void
session_flash_consume(struct session *s, uint64_t upto)
{
	size_t kept = 0;

	for (size_t i = 0; i < s->nflashes; i++) {
		if (s->flashes[i].seq <= upto)
			flash_free(&s->flashes[i]);
		else
			s->flashes[kept++] = s->flashes[i];
	}
	s->nflashes = kept;
}

int
session_is_empty(const struct session *s)
{
	return s->nitems == 0 && s->nflashes == 0;
}

/* Length of "k=v&k=v..." over n pairs got through get(). */
typedef void (*pair_fn)(const struct session *s, size_t i, const char **k,
    size_t *kl, const char **v, size_t *vl);

static void
item_pair(const struct session *s, size_t i, const char **k, size_t *kl,
    const char **v, size_t *vl)
{
	*k = s->items[i].key;
	*kl = s->items[i].klen;
	*v = s->items[i].value;
	*vl = s->items[i].vlen;
}

static void
flash_pair(const struct session *s, size_t i, const char **k, size_t *kl,
    const char **v, size_t *vl)
{
	*k = s->flashes[i].category;
	*kl = s->flashes[i].clen;
	*v = s->flashes[i].message;
	*vl = s->flashes[i].mlen;
}

static size_t
pairs_form_len(const struct session *s, size_t n, pair_fn get)
{
	size_t len = 0, kl, vl;
	const char *k, *v;

	for (size_t i = 0; i < n; i++) {
		get(s, i, &k, &kl, &v, &vl);
		len += (i > 0) + form_encoded_len(k, kl) + 1 + form_encoded_len(v, vl);
	}
	return len;
}

static void
pairs_form(const struct session *s, size_t n, pair_fn get, char *dst)
{
	size_t kl, vl;
	const char *k, *v;

	for (size_t i = 0; i < n; i++) {
		get(s, i, &k, &kl, &v, &vl);
		if (i > 0)
			*dst++ = '&';
		dst += form_encode(dst, k, kl);
		*dst++ = '=';
		dst += form_encode(dst, v, vl);
	}
	*dst = '\0';
}

size_t
session_data_form_len(const struct session *s)
{
	return pairs_form_len(s, s->nitems, item_pair);
}

void
session_data_form(const struct session *s, char *dst)
{
	pairs_form(s, s->nitems, item_pair, dst);
}

size_t
session_flash_form_len(const struct session *s)
{
	return pairs_form_len(s, s->nflashes, flash_pair);
}

void
session_flash_form(const struct session *s, char *dst)
{
	pairs_form(s, s->nflashes, flash_pair, dst);
}

size_t
session_encoded_size(const struct session *s)
{
	return session_data_form_len(s) + session_flash_form_len(s);
}

void
changelog_init(struct changelog *log)
{
	memset(log, 0, sizeof(*log));
}

void
changelog_truncate(struct changelog *log, size_t n)
{
	while (log->nchanges > n) {
		struct change *c = &log->changes[--log->nchanges];
		if (c->kind == CHANGE_FLASH)
			log->nflashes--;
		free(c->key);
		free(c->value);
	}
}

void
changelog_free(struct changelog *log)
{
	changelog_truncate(log, 0);
	free(log->changes);
	changelog_init(log);
}

int
changelog_add(struct changelog *log, enum change_kind kind, const char *key,
    size_t klen, const char *value, size_t vlen, uint64_t n)
{
	struct change c = { kind, NULL, klen, NULL, vlen, n };

	if (log->nchanges == log->cap) {
		size_t cap = log->cap ? 2 * log->cap : 8;
		struct change *grown = realloc(log->changes, cap * sizeof(*grown));
		if (grown == NULL)
			return -1;
		log->changes = grown;
		log->cap = cap;
	}
	if (key != NULL && (c.key = copy_bytes(key, klen)) == NULL)
		return -1;
	if (value != NULL && (c.value = copy_bytes(value, vlen)) == NULL) {
		free(c.key);
		return -1;
	}
	log->changes[log->nchanges++] = c;
	if (kind == CHANGE_FLASH)
		log->nflashes++;
	return 0;
}

int
changelog_replay(const struct changelog *log, struct session *s, uint64_t now,
    struct replay_outcome *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < log->nchanges; i++) {
		const struct change *c = &log->changes[i];
		const struct session_item *it;
		size_t n;

		switch (c->kind) {
		case CHANGE_SET:
			it = session_get(s, c->key, c->klen);
			if (it != NULL && it->vlen == c->vlen &&
			    memcmp(it->value, c->value, c->vlen) == 0)
				break;          /* the value it has */
			if (session_set(s, c->key, c->klen, c->value, c->vlen) < 0)
				return -1;
			out->changed = 1;
			break;
		case CHANGE_UNSET:
			n = s->nitems;
			session_unset(s, c->key, c->klen);
			out->changed |= s->nitems != n;
			break;
		case CHANGE_CLEAR:
			session_clear(s, now);
			out->cleared = out->changed = 1;
			break;
		case CHANGE_REGENERATE:
			out->regenerated = out->changed = 1;
			break;
		case CHANGE_PERMANENT:
			out->changed |= s->permanent != (c->n != 0);
			s->permanent = c->n != 0;
			break;
		case CHANGE_FLASH:
			if (session_flash_add(s, c->key, c->klen, c->value,
			        c->vlen) < 0)
				return -1;
			out->changed = 1;
			break;
		case CHANGE_CONSUME_FLASHES:
			n = s->nflashes;
			session_flash_consume(s, c->n);
			out->changed |= s->nflashes != n;
			break;
		case CHANGE_REVOKE_OTHERS:
			break;          /* (visit.c does it after the commit) */
		}
	}
	return 0;
}
