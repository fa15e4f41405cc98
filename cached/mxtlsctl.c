/*
 * mxtlsctl.c - the admin CLI of mxtls: its commands are in cached/ctl/
 * (ctl.h; one file a command, one line each in ctl_cmds.c), their
 * messages and exit statuses in man/mxtlsctl.8.
 */
#include "ctl/ctl.h"

int
main(int argc, char **argv)
{
	return (ctl_main(argc, argv));
}
