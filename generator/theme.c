/*
 * theme.c: a theme's templates and static files. A site's own
 * themes/<name>/ (read from the same tree as the content) wins; a site
 * without one gets the default theme built into plansite. Templates are
 * compiled once, strictly (an unknown partial is an error), and static files
 * are given a content hash in their names so they can be cached for ever.
 */
#include "plansite.h"

#include <stdlib.h>
#include <string.h>

/* The built-in default theme: generated from themes/default/ at build time
 * by generator/embed.sh. */
extern const struct embedded_file embedded_default_theme[];
extern const size_t embedded_default_theme_count;

/* "static/style.css" → key "style_css" (what templates write as
 * {{assets.style_css}}) and hashed output path "static/style.0123456789.css". */
static void add_asset(struct theme *t, const char *rel, const char *data, size_t len)
{
	const char *name = rel + strlen("static/");
	struct buf key = BUF_INIT, out = BUF_INIT;
	for (const char *c = name; *c; c++)
		buf_putc(&key, (*c == '.' || *c == '/' || *c == '-') ? '_' : *c);
	const char *dot = strrchr(name, '.');
	const char *slash = strrchr(name, '/');
	if (dot && (!slash || dot > slash)) {
		buf_puts(&out, "static/");
		buf_put(&out, name, (size_t)(dot - name));
		buf_printf(&out, ".%010llx%s",
			   (unsigned long long)(hash_bytes(data, len) & 0xffffffffffull), dot);
	} else {
		buf_printf(&out, "static/%s.%010llx", name,
			   (unsigned long long)(hash_bytes(data, len) & 0xffffffffffull));
	}
	struct asset *a = &t->assets[t->nassets++];
	a->key = arena_strndup(&t->arena, key.ptr, key.len);
	a->out = arena_strndup(&t->arena, out.ptr, out.len);
	a->data = data;
	a->len = len;
	buf_release(&key);
	buf_release(&out);
}

/* Takes one file of the theme: a template or a static file. */
static bool add_file(struct theme *t, const char *rel, const char *file_label, const char *data,
		     size_t len, struct diag *d)
{
	static const char ext[] = ".mustache";
	size_t rl = strlen(rel);
	t->hash = (t->hash ^ hash_bytes(rel, rl)) * 0x100000001b3ull;
	t->hash = (t->hash ^ hash_bytes(data, len)) * 0x100000001b3ull;
	if (strncmp(rel, "templates/", 10) == 0 && rl > 10 + sizeof(ext) - 1 &&
	    strcmp(rel + rl - (sizeof(ext) - 1), ext) == 0 && !strchr(rel + 10, '/')) {
		char *name = arena_strndup(&t->arena, rel + 10, rl - 10 - (sizeof(ext) - 1));
		return mustache_set_add(t->templates, name, file_label, data, len, d);
	}
	if (strncmp(rel, "static/", 7) == 0) {
		add_asset(t, rel, data, len);
		return true;
	}
	return true; /* other files (README, LICENSE) are not published */
}

int theme_load(struct theme *t, const struct site *site, struct diag *d)
{
	memset(t, 0, sizeof(*t));
	const char *name = site->config.theme ? site->config.theme : "default";
	t->name = name;
	t->templates = mustache_set_new(true);
	mustache_set_limits(t->templates, &site->config.limits.templates);
	bool ok = true;
	struct buf prefix = BUF_INIT;
	buf_printf(&prefix, "themes/%s/", name);
	const struct source *src = site->src;

	size_t count = 0;
	for (size_t i = 0; i < src->n; i++)
		if (strncmp(src->files[i].path, prefix.ptr, prefix.len) == 0)
			count++;
	bool builtin = strcmp(name, "default") == 0;
	if (!count && !builtin) {
		struct pos p = {"site.yaml", 0, 0};
		diag_error(d, p, "E010",
			   "theme '%s' not found: add themes/%s/templates/*.mustache, or use theme: "
			   "default",
			   name, name);
		buf_release(&prefix);
		return -1;
	}
	t->builtin = builtin;
	t->assets = arena_alloc(&t->arena, (count + (builtin ? embedded_default_theme_count : 0) + 1) *
						   sizeof(*t->assets));
	/* The built-in default theme first; a site's themes/default/ files then
	 * replace it file by file, so a site may change one template alone. */
	if (builtin) {
		for (size_t i = 0; i < embedded_default_theme_count; i++) {
			const struct embedded_file *e = &embedded_default_theme[i];
			bool overridden = false;
			for (size_t k = 0; k < src->n && !overridden; k++)
				overridden = strncmp(src->files[k].path, prefix.ptr, prefix.len) == 0 &&
					     strcmp(src->files[k].path + prefix.len, e->path) == 0;
			if (overridden)
				continue;
			char *label = arena_printf(&t->arena, "(built-in default theme)/%s", e->path);
			ok &= add_file(t, e->path, label, (const char *)e->data, e->len, d);
		}
	}
	for (size_t i = 0; i < src->n; i++) {
		const struct source_file *f = &src->files[i];
		if (strncmp(f->path, prefix.ptr, prefix.len) != 0)
			continue;
		ok &= add_file(t, f->path + prefix.len, f->path, f->data, f->len, d);
	}
	buf_release(&prefix);
	if (ok)
		ok = mustache_set_link(t->templates, d);
	return ok ? 0 : -1;
}

const char *theme_asset(const struct theme *t, const char *key)
{
	for (size_t i = 0; i < t->nassets; i++)
		if (strcmp(t->assets[i].key, key) == 0)
			return t->assets[i].out;
	return NULL;
}

void theme_release(struct theme *t)
{
	mustache_set_free(t->templates);
	arena_release(&t->arena);
	memset(t, 0, sizeof(*t));
}
