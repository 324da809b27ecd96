/*
 * model_int.h: what the loaders of the model share (model.c: documents and
 * the whole site; fields.c: the typed field reader; config.c: site.yaml,
 * the plan, the people, the practices). Only they include it.
 */
#ifndef MODEL_INT_H
#define MODEL_INT_H

#include "plansite.h"

/*
 * A reader for one YAML map: every typed getter reports its own mistakes
 * (E005 missing, E006 wrong type, E007 bad date) and marks the key as seen;
 * ld_done then reports the keys nobody asked for: W005, or an error for a
 * key that is or nearly is 'visibility' where it is not read (E029) and for
 * a merge key '<<' (E006). Maps of any size: the tables below are inline
 * for the usual few keys and move to the arena beyond (so a struct ld is
 * used where ld_init made it, never copied).
 */
enum { LD_INLINE = 24 };
struct ld {
	struct arena *a;
	struct diag *d;
	const struct value *map;
	struct pos where; /* a missing field is reported here */
	const char *what; /* "project", "plan.yaml", "milestone 2": for messages */
	bool *seen;       /* one per pair of map */
	const char **known; /* the keys asked for */
	size_t nknown, capknown;
	bool bad; /* some required field is missing or wrong */
	bool seen_inline[LD_INLINE];
	const char *known_inline[LD_INLINE];
};

/* What loading one file needs: the site, where to allocate, the findings. */
struct loader {
	struct site *site;
	struct arena *arena; /* where documents are allocated: one per thread */
	struct arena *scratch; /* a document's front matter tree, while it loads */
	struct diag *d;
	struct site_limits limits; /* site.yaml's, once it is read */
};

void ld_init(struct ld *l, struct arena *a, struct diag *d, const struct value *map,
	     struct pos where, const char *what);
const struct value *ld_get(struct ld *l, const char *key);
const struct value *ld_field(struct ld *l, const char *key, bool required);
void ld_done(struct ld *l);
/*
 * The visibility a document or an item sets, failing closed: *out is dflt
 * when the map sets none; a value that is empty, null, not text or not
 * exactly public, practices or confidential (E006), a key that nearly is
 * 'visibility' (E029) or a merge key '<<' (E006) each make it
 * VIS_CONFIDENTIAL, so nothing of it is published even if the error were
 * ignored. *pos is where it was set (else l->where). Returns false after
 * reporting an error.
 */
bool ld_visibility(struct ld *l, enum visibility dflt, enum visibility *out, struct pos *pos);
/*
 * The same for an item (an action, a decision) of a document of visibility
 * doc: the default is doc's; one wider than doc is E028, and doc's is kept.
 */
bool ld_item_visibility(struct ld *l, enum visibility doc, enum visibility *out);
bool ld_is_scalar(const struct value *v);
void ld_wrong_type(struct ld *l, const struct value *v, const char *key, const char *want);
const char *ld_str(struct ld *l, const char *key, bool required);
bool ld_scalar_ref(struct ld *l, const struct value *v, const char *key, bool defining,
		   struct ref *out);
bool ld_ref(struct ld *l, const char *key, bool required, bool defining, struct ref *out);
bool ld_refs(struct ld *l, const char *key, bool required, struct refs *out,
	     struct pos *where);
bool ld_value_int(struct ld *l, const struct value *v, const char *key, int *out);
bool ld_int(struct ld *l, const char *key, bool required, int *out, struct pos *pos);
bool ld_bool(struct ld *l, const char *key, bool required, bool *out);
void ld_bad_date(struct ld *l, const struct value *v, const char *key, const char *kind);
bool ld_value_date(struct ld *l, const struct value *v, const char *key, struct date *out);
bool ld_date(struct ld *l, const char *key, bool required, struct date *out,
	     struct pos *pos);
bool ld_time(struct ld *l, const char *key, bool required, int *out, struct pos *pos);
const char **ld_texts(struct ld *l, const char *key, size_t *n);
const struct value *ld_map(struct ld *l, const char *key, bool required);
const struct value *ld_list(struct ld *l, const char *key, bool required);
bool ld_item_map(struct ld *l, const struct value *it, const char *what);
/* Where a file begins, for findings about it as a whole. */
struct pos ld_file_start(const char *path);
/* Checks size (W006, E027) and UTF-8 (E004, with the byte offset and its line). */
bool lo_file_ok(struct loader *lo, const struct source_file *f);
struct value *lo_parse_yaml(struct loader *lo, const struct source_file *f);
const char *ld_stem_of(struct arena *a, const char *path);
void load_site_yaml(struct loader *lo, const struct source_file *f);
void load_plan(struct loader *lo, const struct source_file *f);
void load_people(struct loader *lo, const struct source_file *f);
void load_practices(struct loader *lo, const struct source_file *f);

#endif
