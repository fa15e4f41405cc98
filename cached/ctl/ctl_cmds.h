/*
 * ctl_cmds.h - the list of mxtlsctl's commands, in the order of
 * "mxtlsctl --help". A command NAME is the file ctl_NAME.c, which defines
 * "const struct ctl_cmd ctl_cmd_NAME" (ctl.h), and one CTL_CMD line here.
 */
#ifndef MXTLS_CACHED_CTL_CMDS_H
#define MXTLS_CACHED_CTL_CMDS_H

#include "ctl/ctl.h"

/* clang-format off */
#define CTL_COMMANDS(CTL_CMD) \
	CTL_CMD(query) \
	CTL_CMD(ping) \
	CTL_CMD(stats) \
	CTL_CMD(dump) \
	CTL_CMD(flush) \
	CTL_CMD(purge) \
	CTL_CMD(parse) \
	CTL_CMD(report) \
	CTL_CMD(result) \
	CTL_CMD(override) \
	/* end */
/* clang-format on */

#define CTL_CMD_EXTERN(name) extern const struct ctl_cmd ctl_cmd_##name;
CTL_COMMANDS(CTL_CMD_EXTERN)
#undef CTL_CMD_EXTERN

#endif
