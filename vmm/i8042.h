/* i8042.h - the keyboard controller, only for its reset line (port 0x64, 0xFE). */
#pragma once

#include <glib.h>

#include "bus.h"
#include "layout.h"

typedef void (*I8042ResetFunc)(void *opaque);

typedef struct {
    I8042ResetFunc reset;
    void *reset_opaque;
    guint resets; /* reset commands seen */
} I8042;

void i8042_init(I8042 *kbc, I8042ResetFunc reset, void *reset_opaque);

/* One byte each: i8042_data_ops at I8042_DATA_PORT, i8042_command_ops at
 * I8042_COMMAND_PORT, both with the I8042 as opaque. */
extern const BusDeviceOps i8042_data_ops;
extern const BusDeviceOps i8042_command_ops;
