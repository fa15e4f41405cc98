/*
 * reload.h - SIGHUP: re-read the configuration file mxtlsd was started
 * with and apply what can change without a restart (the reloadable keys
 * of util/conf_merge.c) to the running subsystems, on the loop thread.
 * Every other changed key is logged and keeps its running value; a file
 * that does not load keeps the whole running configuration. Caches are
 * kept, except the answer cache's finished replies, which were built with
 * the old values.
 */
#ifndef MXTLS_CACHED_RELOAD_H
#define MXTLS_CACHED_RELOAD_H

struct answer_cache;
struct override_table;
struct conf;
struct preload_watch;
struct socketmap;
struct sts_fetcher;
struct tlsrpt_sched;

/* reload_target - what a reload reaches (none owned; NULL members are
 * skipped). live is the struct conf the subsystems read. */
struct reload_target {
	const char            *path; /* the -c file, or NULL (defaults) */
	struct conf           *live;
	struct sts_fetcher    *fetch;
	struct preload_watch  *preload;
	struct socketmap      *socketmap;
	struct tlsrpt_sched   *tlsrpt;
	struct answer_cache   *answers;
	struct override_table *overrides; /* the "override" list */
};

/*
 * reload_run - one reload (loop thread). Tells systemd RELOADING=1 then
 * READY=1 (sdnotify.h). Returns the number of keys applied, or -1 when the
 * file did not load (the running configuration stays; logged with the
 * file, line and reason).
 */
int reload_run(const struct reload_target *t);

#endif
