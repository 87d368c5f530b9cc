/* SPDX-License-Identifier: MIT */
/* doctor.c - `lstar doctor` (filled in below). */
#include "vmm.h"

int vmm_doctor(void)
{
	return 0;
}
