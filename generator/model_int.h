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
 * ld_done then warns about the keys nobody asked for (W005).
 */
struct ld {
	struct arena *a;
	struct diag *d;
	const struct value *map;
	struct pos where; /* a missing field is reported here */
	const char *what; /* "project", "plan.yaml", "milestone 2": for messages */
	bool seen[64];
	const char *known[64];
	size_t nknown;
	bool bad; /* some required field is missing or wrong */
};

/* What loading one file needs: the site, where to allocate, the findings. */
struct loader {
	struct site *site;
	struct arena *arena; /* where documents are allocated: one per thread */
	struct arena *scratch; /* a document's front matter tree, while it loads */
	struct diag *d;
	struct yaml_limits limits;
	size_t doc_bytes; /* W006 threshold */
};

void ld_init(struct ld *l, struct arena *a, struct diag *d, const struct value *map,
	     struct pos where, const char *what);
const struct value *ld_get(struct ld *l, const char *key);
const struct value *ld_field(struct ld *l, const char *key, bool required);
void ld_done(struct ld *l);
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
/* Checks UTF-8 and size; reports E004 with the byte offset and its line. */
bool lo_file_ok(struct loader *lo, const struct source_file *f);
struct value *lo_parse_yaml(struct loader *lo, const struct source_file *f);
const char *ld_stem_of(struct arena *a, const char *path);
void load_site_yaml(struct loader *lo, const struct source_file *f);
void load_plan(struct loader *lo, const struct source_file *f);
void load_people(struct loader *lo, const struct source_file *f);
void load_practices(struct loader *lo, const struct source_file *f);

#endif
