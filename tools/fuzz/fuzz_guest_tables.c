/* SPDX-License-Identifier: MIT */
/*
 * fuzz_guest_tables.c - the VMM's walk of the guest's page tables, which
 * a taken-over shim may fill with anything: every syscall buffer reaches
 * the host through it (vmm_mem_user_iov, vmm_mem_copy_*_user).  The input
 * is a user address, a length, read or write, and the contents of the
 * first pages of the pool, where the root table lies; whatever they say,
 * each host range the walk returns must lie inside guest memory and be a
 * page reachable from ring 3 (libFuzzer, ASan, UBSan; make fuzz-parsers).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "vmm.h"

#define TABLE_PAGES	8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vmm_mem m;
	static uint8_t buf[3 * LSTAR_PAGE_SIZE];
	struct iovec iov[8];
	uint64_t gva, len, body;
	bool write;
	long got;
	int n;

	if (size < 17)
		return 0;
	if (!m.host && vmm_mem_init(&m, 2ULL << 20))
		abort();
	memcpy(&gva, data, 8);
	memcpy(&len, data + 8, 8);
	write = data[16] & 1;
	len %= sizeof(buf) + 1;
	body = size - 17 < TABLE_PAGES * LSTAR_PAGE_SIZE ? size - 17 : TABLE_PAGES * LSTAR_PAGE_SIZE;
	memset(m.host + LSTAR_POOL_GPA, 0, TABLE_PAGES * LSTAR_PAGE_SIZE);
	memcpy(m.host + LSTAR_POOL_GPA, data + 17, body);
	m.pml4 = LSTAR_POOL_GPA;
	got = vmm_mem_user_iov(&m, gva, len, write, iov, 8, &n);
	if (got > (long)len || n < 0 || n > 8)
		abort();
	for (int i = 0; i < n; i++) {
		const uint8_t *p = iov[i].iov_base;

		if (p < m.host || iov[i].iov_len > m.size ||
		    p > m.host + m.size - iov[i].iov_len)
			abort();
	}
	if (write)
		vmm_mem_copy_to_user(&m, gva, buf, len);
	else
		vmm_mem_copy_from_user(&m, buf, gva, len);
	return 0;
}
