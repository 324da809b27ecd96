/*
 * frontmatter.c: splits a Markdown document into YAML front matter and body.
 * Accepts a UTF-8 BOM and CRLF line endings; counts lines so that every
 * later position is the file's own.
 */
#include "plansite.h"

#include <string.h>

/* Length of the line starting at s (without its terminator) and, in *next,
 * the offset just past the terminator. */
static size_t line_at(const char *s, size_t n, size_t *next)
{
	const char *nl = memchr(s, '\n', n);
	size_t len = nl ? (size_t)(nl - s) : n;
	*next = nl ? len + 1 : n;
	if (len && s[len - 1] == '\r')
		len--;
	return len;
}

/* A delimiter line: exactly the marker, optionally followed by spaces/tabs. */
static bool is_marker(const char *s, size_t len, const char *marker)
{
	size_t m = strlen(marker);
	if (len < m || memcmp(s, marker, m) != 0)
		return false;
	for (size_t i = m; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t')
			return false;
	return true;
}

bool frontmatter_split(const char *s, size_t n, struct frontmatter *out, const char **err,
		       uint32_t *err_line)
{
	size_t off = 0, next;
	if (n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
		off = 3;
	size_t len = line_at(s + off, n - off, &next);
	if (!is_marker(s + off, len, "---")) {
		*err = "document does not start with front matter: put a line '---', the YAML "
		       "fields, and another '---' at the top";
		*err_line = 1;
		return false;
	}
	off += next;
	size_t yaml_start = off;
	uint32_t line = 2;
	while (off < n) {
		len = line_at(s + off, n - off, &next);
		if (is_marker(s + off, len, "---") || is_marker(s + off, len, "...")) {
			out->yaml = s + yaml_start;
			out->yaml_len = off - yaml_start;
			out->yaml_line = 2;
			out->body = s + off + next;
			out->body_len = n - off - next;
			out->body_line = line + 1;
			return true;
		}
		off += next;
		line++;
	}
	*err = "front matter is not closed: add a line '---' after the YAML fields";
	*err_line = 1;
	return false;
}
