/*
 * escape.c: HTML, attribute, URL, JSON and iCalendar escaping, in one place.
 * Every byte that reaches an output file through a template or a feed passes
 * through one of these.
 */
#include "plansite.h"

#include <string.h>

/* For each byte, what stands for it in HTML, or NULL for itself. */
static const char *const html_rep[256] = {
	['&'] = "&amp;", ['<'] = "&lt;", ['>'] = "&gt;", ['"'] = "&quot;", ['\''] = "&#39;",
};

/* Whether any of the 8 bytes of v may need escaping: '"' '#' '&' '\'' (the
 * bytes b with b & 0xFA == 0x22) or '<' '>' (b & 0xFD == 0x3C); '#' is a
 * false alarm the caller sorts out. The usual test for a zero byte. */
static bool maybe_special(uint64_t v)
{
	const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
	uint64_t a = (v & 0xFAFAFAFAFAFAFAFAULL) ^ 0x2222222222222222ULL;
	uint64_t c = (v & 0xFDFDFDFDFDFDFDFDULL) ^ 0x3C3C3C3C3C3C3C3CULL;
	return (((a - ones) & ~a) | ((c - ones) & ~c)) & highs;
}

void escape_html(struct buf *b, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t start = 0, i = 0;
	while (i < n) {
		/* most text has nothing to escape: skip it eight bytes at a time */
		if (n - i >= 8) {
			uint64_t v;
			memcpy(&v, s + i, 8);
			if (!maybe_special(v)) {
				i += 8;
				continue;
			}
		}
		const char *rep = html_rep[u[i]];
		if (rep) {
			buf_put(b, s + start, i - start);
			buf_puts(b, rep);
			start = i + 1;
		}
		i++;
	}
	buf_put(b, s + start, n - start);
}

/* Whether any of the 8 bytes of v may need escaping in JSON: under 0x20,
 * '"' or '&' (b & 0xFB == 0x22), '<' or '>' (b & 0xFD == 0x3C), '\\'. */
static bool maybe_json_special(uint64_t v)
{
	const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
	uint64_t a = (v & 0xFBFBFBFBFBFBFBFBULL) ^ 0x2222222222222222ULL;
	uint64_t c = (v & 0xFDFDFDFDFDFDFDFDULL) ^ 0x3C3C3C3C3C3C3C3CULL;
	uint64_t e = v ^ 0x5C5C5C5C5C5C5C5CULL;
	uint64_t low = (v - 0x2020202020202020ULL) & ~v; /* a byte under 0x20 */
	return (((a - ones) & ~a) | ((c - ones) & ~c) | ((e - ones) & ~e) | low) & highs;
}

void escape_json(struct buf *b, const char *s, size_t n)
{
	size_t start = 0;
	for (size_t i = 0; i < n; i++) {
		if (n - i >= 8) {
			/* most text has nothing to escape: eight bytes at a time */
			uint64_t v;
			memcpy(&v, s + i, 8);
			if (!maybe_json_special(v)) {
				i += 7;
				continue;
			}
		}
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

/* Escapes a URL for an href: keeps what is already percent-encoded,
 * encodes bytes that may not appear raw, then HTML-escapes. */
void escape_href(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '&')
			buf_puts(b, "&amp;");
		else if (c == '\'')
			buf_puts(b, "&#39;");
		else if (c <= ' ' || c >= 0x7f || c == '"' || c == '<' || c == '>' || c == '\\' ||
			 c == '^' || c == '`' || c == '{' || c == '|' || c == '}') {
			buf_putc(b, '%');
			buf_putc(b, hex[c >> 4]);
			buf_putc(b, hex[c & 15]);
		} else
			buf_putc(b, (char)c);
	}
}

/* Escapes TEXT values: backslash, ';', ',' and newlines. */
void escape_ics_text(struct buf *b, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '\\' || *s == ';' || *s == ',') {
			buf_putc(b, '\\');
			buf_putc(b, *s);
		} else if (*s == '\n') {
			buf_puts(b, "\\n");
		} else if (*s != '\r') {
			buf_putc(b, *s);
		}
	}
}
