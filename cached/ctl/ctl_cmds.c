/*
 * ctl_cmds.c - mxtlsctl's command table, made from the list in
 * ctl_cmds.h. The usage lines of the commands are what "mxtlsctl --help"
 * prints and what tests/unit/man_pages.sh holds man/mxtlsctl.8 to.
 */
#include <stddef.h>

#include "ctl/ctl_cmds.h"

#define CTL_CMD_ENTRY(name) &ctl_cmd_##name,
const struct ctl_cmd *const ctl_cmds[] = { CTL_COMMANDS(CTL_CMD_ENTRY) NULL };
