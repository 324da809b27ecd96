/*
 * links.c: what a link written in a document points at. Shared by the
 * checks (does the target exist, may this audience see it) and the renderer
 * (rewrite it to the target's URL), so both read links the same way.
 */
#include "plansite.h"

#include <string.h>

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* The scheme of url, lowercased, into out (empty when none). */
static void scheme_of(const char *url, char *out, size_t cap)
{
	size_t i = 0;
	out[0] = '\0';
	/* Browsers ignore leading spaces and control characters. */
	while (*url && (unsigned char)*url <= ' ')
		url++;
	while (url[i] && i + 1 < cap) {
		char c = url[i];
		if (c == ':') {
			out[i] = '\0';
			return;
		}
		bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
		bool other = (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
		if (!(letter || (i && other)))
			break;
		out[i] = (char)(c | 0x20);
		i++;
	}
	out[0] = '\0';
}

enum link_kind link_classify(const char *from_path, const char *url, struct buf *path,
			     const char **frag)
{
	char scheme[16];
	*frag = NULL;
	buf_truncate(path, 0);
	scheme_of(url, scheme, sizeof(scheme));
	if (scheme[0]) {
		if (!strcmp(scheme, "javascript") || !strcmp(scheme, "vbscript") ||
		    !strcmp(scheme, "data"))
			return LINK_UNSAFE;
		return LINK_EXTERNAL;
	}
	if (url[0] == '/' && url[1] == '/')
		return LINK_EXTERNAL;
	const char *hash = strchr(url, '#');
	if (hash)
		*frag = hash + 1;
	if (url[0] == '#')
		return LINK_ANCHOR;
	if (url[0] == '/' || url[0] == '?' || url[0] == '\0')
		return LINK_OTHER;
	size_t len = hash ? (size_t)(hash - url) : strlen(url);
	const char *q = memchr(url, '?', len);
	if (q)
		len = (size_t)(q - url);

	/* Start from the document's folder, then apply each segment. */
	const char *slash = strrchr(from_path, '/');
	if (slash)
		buf_put(path, from_path, (size_t)(slash - from_path));
	struct buf seg = BUF_INIT;
	size_t i = 0;
	bool outside = false;
	while (i <= len) {
		size_t j = i;
		while (j < len && url[j] != '/')
			j++;
		buf_truncate(&seg, 0);
		for (size_t k = i; k < j; k++) {
			int hi, lo;
			if (url[k] == '%' && k + 2 < j &&
			    (hi = hexval(url[k + 1])) >= 0 && (lo = hexval(url[k + 2])) >= 0) {
				buf_putc(&seg, (char)(hi * 16 + lo));
				k += 2;
			} else {
				buf_putc(&seg, url[k]);
			}
		}
		if (seg.len == 0 || strcmp(seg.ptr, ".") == 0) {
			/* nothing */
		} else if (strcmp(seg.ptr, "..") == 0) {
			if (path->len == 0) {
				outside = true;
				break;
			}
			char *last = strrchr(path->ptr, '/');
			buf_truncate(path, last ? (size_t)(last - path->ptr) : 0);
		} else if (memchr(seg.ptr, '/', seg.len) || memchr(seg.ptr, '\\', seg.len) ||
			   memchr(seg.ptr, '\0', seg.len)) {
			outside = true; /* an encoded separator: never a real file */
			break;
		} else {
			if (path->len)
				buf_putc(path, '/');
			buf_put(path, seg.ptr, seg.len);
		}
		i = j + 1;
	}
	buf_release(&seg);
	if (outside)
		return LINK_OUTSIDE;
	if (!strcmp(path->ptr, "content/people.yaml") || !strcmp(path->ptr, "content/plan.yaml"))
		return LINK_DATA;
	size_t pl = path->len;
	if (strncmp(path->ptr, "content/", 8) == 0 && pl > 3 && !strcmp(path->ptr + pl - 3, ".md"))
		return LINK_DOC;
	return LINK_FILE;
}
