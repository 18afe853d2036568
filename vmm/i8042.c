/* i8042.c - a keyboard controller with no keyboard.
 *
 * Why: the classic way for a PC guest to reset itself is the 8042's pulse of
 * the CPU reset line (command 0xFE on port 0x64); Linux's `reboot=k` and our
 * built-in guest use it to end the VM. Everything else reads as "no data,
 * input buffer empty", so probes give up quickly.
 */
#include "config.h"

#include "i8042.h"

#include <string.h>

void
i8042_init(I8042 *kbc, I8042ResetFunc reset, void *reset_opaque)
{
    memset(kbc, 0, sizeof *kbc);
    kbc->reset = reset;
    kbc->reset_opaque = reset_opaque;
}

static void
i8042_bus_read(void *opaque, guint64 offset, guint8 *data, guint32 len)
{
    memset(data, 0, len); /* status: output buffer empty, input buffer empty */
}

static void
i8042_command_write(void *opaque, guint64 offset, const guint8 *data, guint32 len)
{
    I8042 *kbc = opaque;
    if (data[0] != I8042_CMD_RESET)
        return;
    kbc->resets++;
    if (kbc->reset != NULL)
        kbc->reset(kbc->reset_opaque);
}

static void
i8042_data_write(void *opaque, guint64 offset, const guint8 *data, guint32 len)
{
    /* No keyboard to send commands to. */
}

const BusDeviceOps i8042_data_ops = {
    .name = "i8042-data",
    .read = i8042_bus_read,
    .write = i8042_data_write,
};

const BusDeviceOps i8042_command_ops = {
    .name = "i8042-command",
    .read = i8042_bus_read,
    .write = i8042_command_write,
};
