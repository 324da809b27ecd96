/*
 * escape.c: HTML, attribute, URL and JSON escaping, in one place. Every byte
 * that reaches an output file through a template or a feed passes through
 * one of these.
 */
#include "plansite.h"

#include <string.h>

/* For each byte, what stands for it in HTML, or NULL for itself. */
static const char *const html_rep[256] = {
	['&'] = "&amp;", ['<'] = "&lt;", ['>'] = "&gt;", ['"'] = "&quot;", ['\''] = "&#39;",
};

void escape_html(struct buf *b, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t start = 0;
	for (size_t i = 0; i < n; i++) {
		const char *rep = html_rep[u[i]];
		if (!rep)
			continue;
		buf_put(b, s + start, i - start);
		buf_puts(b, rep);
		start = i + 1;
	}
	buf_put(b, s + start, n - start);
}

void escape_json(struct buf *b, const char *s, size_t n)
{
	size_t start = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&')
			continue;
		buf_put(b, s + start, i - start);
		switch (c) {
		case '"':
			buf_puts(b, "\\\"");
			break;
		case '\\':
			buf_puts(b, "\\\\");
			break;
		case '\n':
			buf_puts(b, "\\n");
			break;
		case '\t':
			buf_puts(b, "\\t");
			break;
		case '\r':
			buf_puts(b, "\\r");
			break;
		default:
			/* <, > and & too, so JSON is safe inside a <script> */
			buf_puts(b, "\\u00");
			buf_putc(b, "0123456789abcdef"[c >> 4]);
			buf_putc(b, "0123456789abcdef"[c & 15]);
		}
		start = i + 1;
	}
	buf_put(b, s + start, n - start);
}
