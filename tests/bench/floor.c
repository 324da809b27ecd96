/*
 * floor.c: the benchmark's floor. One process parses and renders every
 * Markdown body with cmark-gfm (table, strikethrough, autolink and tasklist
 * extensions, safe HTML as plansite's default) and does nothing else: no
 * YAML, no templates, no link rewriting, one output file.
 *
 *   floor BODIES OUT.html
 *
 * BODIES holds the bodies one after the other, each ended by a NUL byte
 * (run.sh makes it, outside the timing, by stripping the front matter of
 * every .md file under content/). Each body is parsed as its own document,
 * the way a generator does. Prints the count of documents and bytes.
 */
#include <cmark-gfm.h>
#include <cmark-gfm-core-extensions.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 1 << 20, n = 0;
	char *b = malloc(cap);
	size_t got;
	while (b && (got = fread(b + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap) {
			char *nb = realloc(b, cap *= 2);
			if (!nb)
				free(b);
			b = nb;
		}
	}
	if (ferror(f)) {
		free(b);
		b = NULL;
	}
	fclose(f);
	*len = n;
	return b;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: floor BODIES OUT.html\n");
		return 2;
	}
	size_t len;
	char *all = slurp(argv[1], &len);
	if (!all) {
		perror(argv[1]);
		return 1;
	}
	FILE *out = fopen(argv[2], "wb");
	if (!out) {
		perror(argv[2]);
		return 1;
	}
	cmark_gfm_core_extensions_ensure_registered();
	static const char *const names[] = {"table", "strikethrough", "autolink", "tasklist"};
	cmark_syntax_extension *ext[4];
	for (int i = 0; i < 4; i++) {
		ext[i] = cmark_find_syntax_extension(names[i]);
		if (!ext[i]) {
			fprintf(stderr, "floor: no cmark-gfm extension '%s'\n", names[i]);
			return 1;
		}
	}
	size_t docs = 0, html = 0;
	for (size_t at = 0; at < len;) {
		const char *body = all + at;
		const char *end = memchr(body, '\0', len - at);
		size_t n = end ? (size_t)(end - body) : len - at;
		cmark_parser *p = cmark_parser_new(CMARK_OPT_DEFAULT);
		for (int i = 0; i < 4; i++)
			cmark_parser_attach_syntax_extension(p, ext[i]);
		cmark_parser_feed(p, body, n);
		cmark_node *root = cmark_parser_finish(p);
		char *h = cmark_render_html(root, CMARK_OPT_DEFAULT, cmark_parser_get_syntax_extensions(p));
		size_t hl = strlen(h);
		fwrite(h, 1, hl, out);
		html += hl;
		cmark_get_default_mem_allocator()->free(h);
		cmark_node_free(root);
		cmark_parser_free(p);
		docs++;
		at += n + 1;
	}
	if (fclose(out) != 0) {
		perror(argv[2]);
		return 1;
	}
	fprintf(stderr, "floor: %zu documents, %zu bytes of Markdown, %zu bytes of HTML\n", docs, len,
		html);
	free(all);
	return 0;
}
