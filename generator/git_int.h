/*
 * git_int.h: what the three files of the libgit2 wrapper share (git.c:
 * repositories, revisions, a commit's site tree, tags; gitdiff.c: raw trees
 * and the changes between two of them; gitlog.c: the history walk). Only
 * they include it, and git2.h.
 */
#ifndef GIT_INT_H
#define GIT_INT_H

#include "plansite.h"

#include <git2.h>

static const struct pos nopos = {NULL, 0, 0};

struct repo {
	git_repository *git;
	git_odb *odb;
	char *prefix; /* the site root's path in the work tree: "" or "sites/daccom" */
	struct tree_cache *trees; /* raw trees kept between repo_changes calls */
};

/* What the log keeps for repo_changes: each commit's tree id. */
struct log_trees {
	git_oid *tree;
};

/* Reports (E026) a libgit2 failure to what, naming subject. */
void git_report(struct diag *d, const char *what, const char *subject);
/* The same for subject (a path) in the tree of commit (its id), or in
 * some commit of the history (commit NULL). */
void git_report_at(struct diag *d, const char *what, const char *subject, const char *commit);
void git_commit_info(struct commit_info *info, git_commit *c, struct arena *a);
/* The repository's object database, opened once; NULL after reporting. */
git_odb *git_repo_odb(struct repo *r, struct diag *d);
void git_tree_cache_free(struct tree_cache *c);

/* Where objects sit in the packs of gitdir (gitpack.c): a key that sorts
 * blobs in the order they are stored, UINT64_MAX for one not found. */
struct pack_order;
struct pack_order *pack_order_open(const char *gitdir);
uint64_t pack_order_key(const struct pack_order *po, const unsigned char id[20]);
void pack_order_free(struct pack_order *po);

#endif
