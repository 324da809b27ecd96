/*
 * mustache_int.h: the compiled form of a Mustache template, shared by the
 * compiler (mustache.c) and the renderer (mustache_render.c). Nothing else
 * includes it.
 */
#ifndef MUSTACHE_INT_H
#define MUSTACHE_INT_H

#include "plansite.h"

enum {
	MUS_MAX_NESTING = 100, /* sections, blocks and parents inside each other */
	MUS_MAX_CALLS = 64,    /* partials, parents and overrides inside each other (E042) */
	MUS_NONE = UINT32_MAX,
};

/* ------------------------------------------------------------ compiled form */

enum op_kind {
	OP_TEXT,     /* a, b: pool range */
	OP_VAR,      /* a: name index */
	OP_SECTION,  /* a: name index; end */
	OP_INVERTED, /* a: name index; end */
	OP_END,      /* a: index of the op it closes */
	OP_PARTIAL,  /* a, b: pool range of the name, or a: name index when dynamic */
	OP_PARENT,   /* as OP_PARTIAL; end; arg0, nargs: its argument blocks */
	OP_BLOCK,    /* a, b: pool range of the name; end; ind: indentation */
};

enum {
	F_BOL = 1,     /* first op of a kept line: the indentation goes before it */
	F_NOBOL = 2,   /* standalone tag: takes no part in indentation */
	F_RAW = 4,     /* OP_VAR: not escaped */
	F_DYNAMIC = 8, /* OP_PARTIAL, OP_PARENT: the name is looked up in the data */
	F_INDENT = 16, /* OP_PARTIAL, OP_PARENT: standalone, indented by ind */
	F_FULL = 32,   /* OP_BLOCK: an override starts a line of its own */
};

struct tpl;

struct op {
	uint8_t kind, flags;
	uint32_t line, col;
	uint32_t a, b;
	uint32_t end;
	uint32_t ind, ind_len; /* pool range */
	uint32_t arg0, nargs;  /* OP_PARENT: range of tpl->args */
	const struct tpl *target; /* static OP_PARTIAL, OP_PARENT: set by link */
};

/* A name as written in a tag, split at dots; no parts for ".". */
struct mname {
	uint32_t part0, nparts;
};

struct mpart {
	uint32_t off, len; /* pool range */
};

struct tpl {
	char *name;
	size_t name_len;
	const char *file;
	struct op *ops;
	uint32_t nops;
	char *pool;
	struct mname *names;
	struct mpart *parts;
	uint32_t *args; /* op indices of OP_BLOCKs that are arguments of parents */
};

struct mustache_set {
	bool strict, linked;
	struct mustache_limits limits;
	struct tpl **v;
	size_t n, cap;
	struct tpl **slots; /* hash table by name, open addressing */
	size_t nslots;
};

/* The template of the set named [name, name+n), or NULL. */
const struct tpl *mus_set_get(const struct mustache_set *s, const char *name, size_t n);
/* Reports (E041) an unknown partial or parent named [name, name+n). */
void mus_unknown(const struct mustache_set *s, struct pos pos, const char *what,
		 const char *name, size_t n, struct diag *d);

#endif
