/*
 * folioscope lab guest agent: runs as /init in a throwaway QEMU guest.
 *
 * It reads /lab/program (written by folioscope.lab.program), performs each
 * step as real system calls on the CPU the scenario names, and after every
 * step prints what the kernel holds: each folio's PFN (/proc/self/pagemap),
 * flags (/proc/kpageflags), refcount and mlock_count (struct page read from
 * /proc/kcore, offsets from BTF), and the contents of every per-CPU folio
 * batch (cpu_fbatches and mlock_fbatch/mlock_pvec, found through kallsyms).
 *
 * It must disturb nothing it observes: no allocation after start-up (static
 * buffers, pre-faulted), output by write(2) to a serial port (no page cache).
 * Output lines start with "@@ " on /dev/ttyS1 (falls back to the console).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#define PAGE 4096UL
#define MAXF 64            /* folios in a scenario */
#define MAXHIST 4          /* PFNs one folio can have had (F, F', F'', ...) */
#define MAXSTEPS 4096
#define MAXBATCH 16        /* batches in struct cpu_fbatches */
#define MAXCPU 8
#define SCRATCH_PAGES 4096
#define NR_io_uring_setup 425
#define NR_io_uring_register 427
#define NR_move_pages 279
#define MPOL_MF_MOVE 2

static int out_fd = 1;
static char outbuf[1 << 16];
static int outlen;

static void flush_out(void)
{
	int off = 0;
	while (off < outlen) {
		ssize_t n = write(out_fd, outbuf + off, outlen - off);
		if (n <= 0)
			break;
		off += n;
	}
	outlen = 0;
}

static void say(const char *fmt, ...)
{
	va_list ap;
	if (outlen > (int)sizeof(outbuf) - 512)
		flush_out();
	va_start(ap, fmt);
	outlen += vsnprintf(outbuf + outlen, sizeof(outbuf) - outlen, fmt, ap);
	va_end(ap);
}

static void die(const char *what)
{
	say("@@ fatal %s errno=%d\n", what, errno);
	flush_out();
	sync();
	reboot(RB_POWER_OFF);
	_exit(1);
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	ssize_t n = write(fd, text, strlen(text));
	int err = n < 0 ? -errno : 0;
	close(fd);
	return err;
}

static char bigbuf[8 << 20];   /* kallsyms, BTF, zoneinfo, trace: one at a time */

static long read_whole(const char *path)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	long len = 0;
	for (;;) {
		ssize_t n = read(fd, bigbuf + len, sizeof(bigbuf) - 1 - len);
		if (n <= 0)
			break;
		len += n;
	}
	close(fd);
	bigbuf[len] = 0;
	return len;
}

/* ---- kernel memory through /proc/kcore ---------------------------------- */

struct seg { uint64_t vaddr, size, off; };
static struct seg segs[256];
static int nsegs;
static int kcore_fd = -1;

static void kcore_open(void)
{
	unsigned char eh[64];
	kcore_fd = open("/proc/kcore", O_RDONLY);
	if (kcore_fd < 0 || pread(kcore_fd, eh, 64, 0) != 64)
		die("kcore");
	uint64_t phoff = *(uint64_t *)(eh + 32);
	uint16_t phentsize = *(uint16_t *)(eh + 54), phnum = *(uint16_t *)(eh + 56);
	for (int i = 0; i < phnum && nsegs < 256; i++) {
		unsigned char ph[64];
		if (pread(kcore_fd, ph, 56, phoff + (uint64_t)i * phentsize) != 56)
			die("kcore phdr");
		if (*(uint32_t *)ph != 1)   /* PT_LOAD */
			continue;
		segs[nsegs].off = *(uint64_t *)(ph + 8);
		segs[nsegs].vaddr = *(uint64_t *)(ph + 16);
		segs[nsegs].size = *(uint64_t *)(ph + 40);
		nsegs++;
	}
}

static int kread(uint64_t addr, void *buf, size_t len)
{
	for (int i = 0; i < nsegs; i++)
		if (addr >= segs[i].vaddr && addr + len <= segs[i].vaddr + segs[i].size)
			return pread(kcore_fd, buf, len, segs[i].off + (addr - segs[i].vaddr)) == (ssize_t)len ? 0 : -1;
	return -1;
}

static uint64_t kread64(uint64_t addr)
{
	uint64_t v = 0;
	kread(addr, &v, 8);
	return v;
}

/* ---- kallsyms ------------------------------------------------------------ */

static uint64_t ksym(const char *name)
{
	if (read_whole("/proc/kallsyms") < 0)
		return 0;
	size_t nl = strlen(name);
	for (char *line = bigbuf; *line;) {
		char *end = strchr(line, '\n');
		if (!end)
			break;
		/* "ffffffff81000000 T name [module]" */
		char *sym = line + 19;
		if (end - line > 19 && !strncmp(sym, name, nl) && (sym[nl] == '\n' || sym[nl] == ' ' || sym[nl] == '\t'))
			return strtoull(line, NULL, 16);
		line = end + 1;
	}
	return 0;
}

/* ---- BTF: struct member offsets ------------------------------------------ */

static unsigned char *btf;
static long btf_len;
static uint32_t *type_off;   /* offset of type id i in the type section */
static int ntypes;
static unsigned char *btf_types;
static const char *btf_strs;

enum { K_INT = 1, K_PTR, K_ARRAY, K_STRUCT, K_UNION, K_ENUM, K_FWD, K_TYPEDEF, K_VOLATILE,
       K_CONST, K_RESTRICT, K_FUNC, K_FUNC_PROTO, K_VAR, K_DATASEC, K_FLOAT, K_DECL_TAG,
       K_TYPE_TAG, K_ENUM64 };

static uint32_t *btype(int id) { return (uint32_t *)(btf_types + type_off[id]); }
static int bkind(int id) { return (btype(id)[1] >> 24) & 0x1f; }
static int bvlen(int id) { return btype(id)[1] & 0xffff; }
static const char *bname(int id) { return btf_strs + btype(id)[0]; }

static void btf_load(void)
{
	long len = read_whole("/sys/kernel/btf/vmlinux");
	if (len < 24)
		die("btf");
	btf = malloc(len);
	memcpy(btf, bigbuf, len);
	btf_len = len;
	uint32_t hdr_len = *(uint32_t *)(btf + 4), tyoff = *(uint32_t *)(btf + 8),
		 tylen = *(uint32_t *)(btf + 12), stroff = *(uint32_t *)(btf + 16);
	btf_types = btf + hdr_len + tyoff;
	btf_strs = (const char *)btf + hdr_len + stroff;
	type_off = malloc(sizeof(uint32_t) * (tylen / 12 + 2));
	uint32_t off = 0;
	ntypes = 1;
	while (off < tylen) {
		type_off[ntypes] = off;
		uint32_t *t = (uint32_t *)(btf_types + off);
		int kind = (t[1] >> 24) & 0x1f, vlen = t[1] & 0xffff;
		off += 12;
		switch (kind) {
		case K_INT: case K_VAR: case K_DECL_TAG: off += 4; break;
		case K_ARRAY: off += 12; break;
		case K_STRUCT: case K_UNION: case K_DATASEC: case K_ENUM64: off += 12 * vlen; break;
		case K_ENUM: case K_FUNC_PROTO: off += 8 * vlen; break;
		default: break;
		}
		ntypes++;
	}
}

static int btf_struct(const char *name)
{
	for (int i = 1; i < ntypes; i++)
		if ((bkind(i) == K_STRUCT) && bvlen(i) && !strcmp(bname(i), name))
			return i;
	return 0;
}

static int btf_resolve(int id)
{
	while (id && (bkind(id) == K_TYPEDEF || bkind(id) == K_VOLATILE || bkind(id) == K_CONST ||
		      bkind(id) == K_RESTRICT || bkind(id) == K_TYPE_TAG))
		id = btype(id)[2];
	return id;
}

/* Byte offset of member `name` in struct/union `id` (searching anonymous
 * members too), its type in *type; -1 if absent. */
static long btf_member(int id, const char *name, int *type)
{
	uint32_t *t = btype(id);
	int kflag = t[1] >> 31;
	uint32_t *m = t + 3;
	for (int i = 0; i < bvlen(id); i++, m += 3) {
		long bits = kflag ? (m[2] & 0xffffff) : m[2];
		if (m[0] && !strcmp(btf_strs + m[0], name)) {
			*type = m[1];
			return bits / 8;
		}
		if (!m[0]) {
			int sub = btf_resolve(m[1]);
			if (bkind(sub) == K_STRUCT || bkind(sub) == K_UNION) {
				long inner = btf_member(sub, name, type);
				if (inner >= 0)
					return bits / 8 + inner;
			}
		}
	}
	return -1;
}

/* ---- the layout this kernel has ------------------------------------------ */

static uint64_t vmemmap_base = 0xffffea0000000000ULL;
static long page_size_struct = 64, off_refcount = 52, off_mlock_count = 16;
static uint64_t per_cpu_offset_sym, fbatches_sym, mlock_sym;
static long mlock_batch_off;   /* the folio_batch inside mlock_fbatch / mlock_pvec */
static long fb_nr_off, fb_folios_off, fb_cap;
struct batch { char name[32]; long off; };
static struct batch batches[MAXBATCH];
static int nbatches;
static int ncpus = 2;

static void layout(void)
{
	btf_load();
	int type;
	int page = btf_struct("page"), folio = btf_struct("folio");
	if (page) {
		page_size_struct = btype(page)[2];
		off_refcount = btf_member(page, "_refcount", &type);
	}
	if (folio)
		off_mlock_count = btf_member(folio, "mlock_count", &type);
	int fb = btf_struct("folio_batch");
	const char *arr = "folios";
	int cfb = btf_struct("cpu_fbatches");
	if (!cfb) {
		fb = btf_struct("pagevec");
		arr = "pages";
	}
	fb_nr_off = btf_member(fb, "nr", &type);
	fb_folios_off = btf_member(fb, arr, &type);
	int at = btf_resolve(type);
	fb_cap = bkind(at) == K_ARRAY ? (long)btype(at)[5] : 15;
	if (cfb) {
		uint32_t *m = btype(cfb) + 3;
		for (int i = 0; i < bvlen(cfb) && nbatches < MAXBATCH; i++, m += 3) {
			if (btf_resolve(m[1]) != fb)
				continue;
			snprintf(batches[nbatches].name, 32, "%s", btf_strs + m[0]);
			batches[nbatches].off = m[2] / 8;
			nbatches++;
		}
		fbatches_sym = ksym("cpu_fbatches");
	}
	int ml = btf_struct("mlock_fbatch");
	mlock_sym = ksym("mlock_fbatch");
	if (ml)
		mlock_batch_off = btf_member(ml, "fbatch", &type);
	else if ((ml = btf_struct("mlock_pvec"))) {
		mlock_batch_off = btf_member(ml, "vec", &type);
		mlock_sym = ksym("mlock_pvec");
	}
	per_cpu_offset_sym = ksym("__per_cpu_offset");
	uint64_t vb = ksym("vmemmap_base");
	if (vb)
		vmemmap_base = kread64(vb);
	say("@@ layout page=%ld refcount=%ld mlock_count=%ld batch_cap=%ld fbatches=%llx mlock=%llx pcpu=%llx vmemmap=%llx\n",
	    page_size_struct, off_refcount, off_mlock_count, fb_cap,
	    (unsigned long long)fbatches_sym, (unsigned long long)mlock_sym,
	    (unsigned long long)per_cpu_offset_sym, (unsigned long long)vmemmap_base);
	for (int i = 0; i < nbatches; i++)
		say("@@ batchdef %s\n", batches[i].name);
}

static uint64_t pfn_of_ptr(uint64_t ptr)
{
	return (ptr - vmemmap_base) / page_size_struct;
}

static int batch_nr(int cpu, uint64_t sym, long off)
{
	unsigned char nr = 0;
	uint64_t base = kread64(per_cpu_offset_sym + 8 * cpu) + sym + off;
	kread(base + fb_nr_off, &nr, 1);
	return nr;
}

static void print_batch(int cpu, const char *name, uint64_t sym, long off)
{
	uint64_t base = kread64(per_cpu_offset_sym + 8 * cpu) + sym + off;
	unsigned char nr = 0;
	uint64_t ptrs[64];
	kread(base + fb_nr_off, &nr, 1);
	if (nr > fb_cap)
		nr = fb_cap;
	kread(base + fb_folios_off, ptrs, 8 * nr);
	say("@@ batch %d %s", cpu, name);
	for (int i = 0; i < nr; i++)
		say(" %llx:%d", (unsigned long long)pfn_of_ptr(ptrs[i] & ~3ULL), (int)(ptrs[i] & 3));
	say("\n");
}

/* ---- the folios of one run ------------------------------------------------ */

struct folio {
	char kind;                 /* 'a' anon, 's' shmem */
	int memfd;
	char *va;
	uint64_t pfns[MAXHIST];
	int npfns;
	int ring;                  /* io_uring holding a FOLL_LONGTERM pin, or -1 */
};
static struct folio folios[MAXF];
static int nfolios;
static char *region;           /* folio i lives at region + i*PAGE */
static char *scratch, *scratch_locked, *drain_page;
static int scratch_next, scratch_locked_next;
static int pagemap_fd, kpf_fd, mem_fd;

static void pin_cpu(int cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		die("sched_setaffinity");
}

static uint64_t pagemap_pfn(void *va)
{
	uint64_t e = 0;
	pread(pagemap_fd, &e, 8, ((uint64_t)va / PAGE) * 8);
	return (e >> 63) ? (e & ((1ULL << 55) - 1)) : 0;
}

static void observe_pfn(const char *tag, uint64_t pfn)
{
	uint64_t flags = 0, count = 0;
	int32_t ref = 0;
	uint32_t mlc = 0;
	uint64_t page = vmemmap_base + pfn * page_size_struct;
	pread(kpf_fd, &flags, 8, pfn * 8);
	int cfd = open("/proc/kpagecount", O_RDONLY);
	if (cfd >= 0) {
		pread(cfd, &count, 8, pfn * 8);
		close(cfd);
	}
	kread(page + off_refcount, &ref, 4);
	kread(page + off_mlock_count, &mlc, 4);
	say("@@ folio %s %llx ref=%d kpf=%llx map=%llu mlc=%u\n", tag, (unsigned long long)pfn,
	    ref, (unsigned long long)flags, (unsigned long long)count, mlc);
}

static void observe(void)
{
	for (int i = 0; i < nfolios; i++) {
		uint64_t pfn = pagemap_pfn(folios[i].va);
		struct folio *f = &folios[i];
		if (pfn && (!f->npfns || f->pfns[f->npfns - 1] != pfn) && f->npfns < MAXHIST)
			f->pfns[f->npfns++] = pfn;
		for (int h = 0; h < f->npfns; h++) {
			char tag[16];
			snprintf(tag, sizeof(tag), "%d.%d", i, h);
			observe_pfn(tag, f->pfns[h]);
		}
		say("@@ mapped %d %llx\n", i, (unsigned long long)pfn);
	}
	for (int cpu = 0; cpu < ncpus; cpu++) {
		for (int b = 0; b < nbatches; b++)
			print_batch(cpu, batches[b].name, fbatches_sym, batches[b].off);
		if (mlock_sym)
			print_batch(cpu, "mlock", mlock_sym, mlock_batch_off);
	}
}

/* ---- routes: the system calls each step makes ----------------------------- */

static void touch(char *va, int write)
{
	if (write)
		*(volatile char *)va = 1;
	else
		(void)*(volatile char *)va;
}

static void local_drain(void)
{
	/* mlock(2) and munlock(2) end in lru_add_drain() (mlock_vma_pages_range) */
	mlock(drain_page, PAGE);
	munlock(drain_page, PAGE);
}

static int drain_all(void)
{
	/* move_pages(2) -> do_pages_move() -> lru_cache_disable() ->
	 * __lru_add_drain_all(force_all_cpus=true) */
	void *pages[1] = { drain_page };
	int nodes[1] = { 0 }, status[1] = { 0 };
	return syscall(NR_move_pages, 0, 1, pages, nodes, status, MPOL_MF_MOVE) < 0 ? -errno : 0;
}

static int fill_lru_add(int cpu)
{
	/* fault fresh anonymous pages on this CPU until its lru_add batch is full
	 * and folio_add_lru() flushes it (folio_batch_move_lru) */
	int lru_add = -1;
	for (int b = 0; b < nbatches; b++)
		if (!strcmp(batches[b].name, "lru_add"))
			lru_add = b;
	if (lru_add < 0)
		return -ENOSYS;
	int need = fb_cap - batch_nr(cpu, fbatches_sym, batches[lru_add].off);
	for (int i = 0; i < need && scratch_next < SCRATCH_PAGES; i++)
		touch(scratch + PAGE * scratch_next++, 1);
	return 0;
}

static int fill_mlock(int cpu)
{
	/* fault fresh anonymous pages into a VM_LOCKED vma: mlock_new_folio()
	 * queues each in the mlock batch, which flushes when full */
	if (!mlock_sym)
		return -ENOSYS;
	int need = fb_cap - batch_nr(cpu, mlock_sym, mlock_batch_off);
	for (int i = 0; i < need && scratch_locked_next < SCRATCH_PAGES; i++)
		touch(scratch_locked + PAGE * scratch_locked_next++, 1);
	return 0;
}

static int pin_longterm(int first, int count)
{
	/* io_uring_register(IORING_REGISTER_BUFFERS) -> io_sqe_buffer_register ->
	 * io_pin_pages -> pin_user_pages_fast(FOLL_WRITE | FOLL_LONGTERM) */
	unsigned char params[120];
	memset(params, 0, sizeof(params));
	int ring = syscall(NR_io_uring_setup, 1, params);
	if (ring < 0)
		return -errno;
	struct iovec iov = { folios[first].va, count * PAGE };
	if (syscall(NR_io_uring_register, ring, 0, &iov, 1) < 0) {
		int err = -errno;
		close(ring);
		return err;
	}
	folios[first].ring = ring;
	return 0;
}

static int unpin(int idx)
{
	/* IORING_UNREGISTER_BUFFERS -> io_sqe_buffers_unregister -> unpin_user_pages */
	if (folios[idx].ring < 0)
		return -EINVAL;
	int r = syscall(NR_io_uring_register, folios[idx].ring, 1, NULL, 0);
	close(folios[idx].ring);
	folios[idx].ring = -1;
	return r < 0 ? -errno : 0;
}

static int do_madvise(int idx, int count, int advice)
{
	return madvise(folios[idx].va, count * PAGE, advice) ? -errno : 0;
}

static int read_proc_mem(int idx)
{
	/* /proc/self/mem -> access_remote_vm -> get_user_pages_remote(FOLL_TOUCH)
	 * -> folio_mark_accessed() */
	char c;
	return pread(mem_fd, &c, 1, (uint64_t)folios[idx].va) == 1 ? 0 : -errno;
}

/* ---- the program ---------------------------------------------------------- */

static char program[1 << 20];
static char program_copy[1 << 20];   /* strtok's copy: bigbuf is reused by every read */
static int runs = 1, ftrace;

static int run_op(char *op, int cpu, int a, int b)
{
	pin_cpu(cpu);
	if (!strcmp(op, "fault_r")) { touch(folios[a].va, 0); return 0; }
	if (!strcmp(op, "fault_w")) { touch(folios[a].va, 1); return 0; }
	if (!strcmp(op, "mlock")) return mlock(folios[a].va, b * PAGE) ? -errno : 0;
	if (!strcmp(op, "munlock")) return munlock(folios[a].va, b * PAGE) ? -errno : 0;
	if (!strcmp(op, "mlock_onfault")) return mlock2(folios[a].va, b * PAGE, MLOCK_ONFAULT) ? -errno : 0;
	if (!strcmp(op, "pin")) return pin_longterm(a, b);
	if (!strcmp(op, "unpin")) return unpin(a);
	if (!strcmp(op, "cold")) return do_madvise(a, b, MADV_COLD);
	if (!strcmp(op, "free")) return do_madvise(a, b, MADV_FREE);
	if (!strcmp(op, "procmem")) return read_proc_mem(a);
	if (!strcmp(op, "drain")) { local_drain(); return 0; }
	if (!strcmp(op, "drain_all")) return drain_all();
	if (!strcmp(op, "fill_lru_add")) return fill_lru_add(cpu);
	if (!strcmp(op, "fill_mlock")) return fill_mlock(cpu);
	return -ENOSYS;
}


static void trace_begin(void)
{
	if (!ftrace)
		return;
	int fd = open("/sys/kernel/tracing/trace", O_WRONLY | O_TRUNC);
	if (fd >= 0)
		close(fd);
	write_file("/sys/kernel/tracing/tracing_on", "1");
}

static void trace_stop(void)
{
	if (ftrace)
		write_file("/sys/kernel/tracing/tracing_on", "0");
}

static void trace_dump(void)
{
	if (!ftrace)
		return;
	long len = read_whole("/sys/kernel/tracing/trace");
	for (char *line = bigbuf; len > 0 && *line;) {
		char *end = strchr(line, '\n');
		if (!end)
			break;
		*end = 0;
		if (line[0] != '#')
			say("@@ fn %s\n", line);
		line = end + 1;
	}
}

static void setup_folios(void)
{
	for (int i = 0; i < nfolios; i++) {
		struct folio *f = &folios[i];
		char *va = region + i * PAGE;
		f->npfns = 0;
		f->ring = -1;
		if (f->kind == 's') {
			f->memfd = memfd_create("lab", 0);
			if (f->memfd < 0 || ftruncate(f->memfd, PAGE))
				die("memfd");
			f->va = mmap(va, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, f->memfd, 0);
		} else {
			f->memfd = -1;
			f->va = mmap(va, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		}
		if (f->va == MAP_FAILED)
			die("mmap folio");
	}
}

static void teardown_folios(void)
{
	for (int i = 0; i < nfolios; i++) {
		if (folios[i].ring >= 0)
			unpin(i);
		munmap(folios[i].va, PAGE);
		if (folios[i].memfd >= 0)
			close(folios[i].memfd);
	}
	/* give the scratch pages back; page tables stay */
	madvise(scratch, SCRATCH_PAGES * PAGE, MADV_DONTNEED);
	munlock(scratch_locked, SCRATCH_PAGES * PAGE);
	madvise(scratch_locked, SCRATCH_PAGES * PAGE, MADV_DONTNEED);
	mlock2(scratch_locked, SCRATCH_PAGES * PAGE, MLOCK_ONFAULT);
	scratch_next = scratch_locked_next = 0;
	drain_all();
}

static void run_program(int run)
{
	say("@@ run %d\n", run);
	setup_folios();
	char *save, *line;
	char *copy = program_copy;
	strcpy(copy, program);
	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char op[32];
		int id = 0, cpu = 0, a = 0, b = 1;
		if (!strncmp(line, "setup ", 6)) {
			if (sscanf(line + 6, "%31s %d %d %d", op, &cpu, &a, &b) < 2)
				continue;
			int r = run_op(op, cpu, a, b);
			if (r)
				say("@@ setupfail %s %d\n", op, r);
		} else if (!strncmp(line, "observe0", 8)) {
			say("@@ step 0 0\n");
			observe();
			say("@@ end\n");
		} else if (!strncmp(line, "step ", 5)) {
			if (sscanf(line + 5, "%d %31s %d %d %d", &id, op, &cpu, &a, &b) < 3)
				continue;
			pin_cpu(cpu);
			trace_begin();
			int r = run_op(op, cpu, a, b);
			trace_stop();
			say("@@ step %d %d\n", id, r);
			trace_dump();
			observe();
			say("@@ end\n");
			flush_out();
		}
	}
	flush_out();
	teardown_folios();
}

static void parse_header(void)
{
	char *p = program;
	while (p && *p) {
		if (!strncmp(p, "runs ", 5)) runs = atoi(p + 5);
		else if (!strncmp(p, "cpus ", 5)) ncpus = atoi(p + 5);
		else if (!strncmp(p, "ftrace ", 7)) ftrace = atoi(p + 7);
		else if (!strncmp(p, "folio ", 6) && nfolios < MAXF) folios[nfolios++].kind = p[6];
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	if (ncpus > MAXCPU)
		ncpus = MAXCPU;
}

static void setup_ftrace(void)
{
	if (mount("nodev", "/sys/kernel/tracing", "tracefs", 0, NULL)) {
		say("@@ noftrace mount %d\n", errno);
		ftrace = 0;
		return;
	}
	write_file("/sys/kernel/tracing/tracing_on", "0");
	write_file("/sys/kernel/tracing/buffer_size_kb", "4096");
	int added = 0;
	for (char *p = program; p && *p;) {
		if (!strncmp(p, "ftrace_func ", 12)) {
			char name[128];
			if (sscanf(p + 12, "%127s", name) == 1) {
				int fd = open("/sys/kernel/tracing/set_ftrace_filter", O_WRONLY | O_APPEND);
				if (fd >= 0) {
					if (write(fd, name, strlen(name)) > 0)
						added++;
					close(fd);
				}
			}
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	if (write_file("/sys/kernel/tracing/current_tracer", "function"))
		ftrace = 0;
	say("@@ ftrace %d functions\n", added);
}

static void quiet_kernel(void)
{
	write_file("/proc/sys/kernel/printk", "1 1 1 1");
	write_file("/sys/kernel/mm/transparent_hugepage/enabled", "never");
	write_file("/sys/kernel/mm/transparent_hugepage/defrag", "never");
	write_file("/proc/sys/vm/compaction_proactiveness", "0");
	write_file("/proc/sys/vm/stat_interval", "120");
	write_file("/proc/sys/vm/watermark_boost_factor", "0");
	write_file("/proc/sys/kernel/kptr_restrict", "0");
	write_file("/proc/sys/kernel/numa_balancing", "0");
	if (access("/sys/kernel/mm/lru_gen/enabled", F_OK) == 0)
		say("@@ lru_gen_off %d\n", write_file("/sys/kernel/mm/lru_gen/enabled", "n"));
}

static char *map_region(size_t pages, int locked)
{
	/* 2 MiB aligned, so one page table covers it; touch and drop one page to
	 * build the page tables now, not during a step */
	size_t len = pages * PAGE + (2UL << 20);
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		die("mmap region");
	p = (char *)(((uintptr_t)p + (2UL << 20) - 1) & ~((2UL << 20) - 1));
	for (size_t off = 0; off < pages * PAGE; off += 2UL << 20)
		touch(p + off, 1);
	madvise(p, pages * PAGE, MADV_DONTNEED);
	if (locked)
		mlock2(p, pages * PAGE, MLOCK_ONFAULT);
	return p;
}

int main(void)
{
	mkdir("/proc", 0755);
	mkdir("/sys", 0755);
	mount("proc", "/proc", "proc", 0, NULL);
	mount("sysfs", "/sys", "sysfs", 0, NULL);
	int tty = open("/dev/ttyS1", O_WRONLY | O_NOCTTY);
	if (tty >= 0)
		out_fd = tty;
	say("@@ hello\n");
	quiet_kernel();
	int pfd = open("/lab/program", O_RDONLY);
	if (pfd < 0)
		die("program");
	read(pfd, program, sizeof(program) - 1);
	close(pfd);
	parse_header();
	if (ncpus > sysconf(_SC_NPROCESSORS_ONLN))
		die("cpus");
	kcore_open();
	layout();
	if (ftrace)
		setup_ftrace();
	pagemap_fd = open("/proc/self/pagemap", O_RDONLY);
	kpf_fd = open("/proc/kpageflags", O_RDONLY);
	mem_fd = open("/proc/self/mem", O_RDONLY);
	if (pagemap_fd < 0 || kpf_fd < 0 || mem_fd < 0)
		die("proc files");
	if (read_whole("/proc/zoneinfo") > 0) {
		char zone[32] = "";
		for (char *line = strtok(bigbuf, "\n"); line; line = strtok(NULL, "\n")) {
			unsigned long long v;
			if (sscanf(line, "Node %*d, zone %31s", zone) == 1)
				continue;
			if (sscanf(line, " spanned %llu", &v) == 1)
				say("@@ zone %s spanned %llu\n", zone, v);
			if (sscanf(line, " start_pfn: %llu", &v) == 1)
				say("@@ zone %s start %llu\n", zone, v);
		}
	}
	region = map_region(MAXF + 1, 0);
	scratch = map_region(SCRATCH_PAGES, 0);
	scratch_locked = map_region(SCRATCH_PAGES, 1);
	drain_page = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	touch(drain_page, 1);
	/* fault in everything this program will touch, before the first step */
	flush_out();
	memset(outbuf, 0, sizeof(outbuf));
	memset(bigbuf, 0, sizeof(bigbuf));
	memset(program_copy, 0, sizeof(program_copy));
	volatile char stack[256 << 10];
	memset((char *)stack, 0, sizeof(stack));
	for (int cpu = 0; cpu < ncpus; cpu++) {
		pin_cpu(cpu);
		local_drain();
	}
	drain_all();
	flush_out();
	for (int run = 0; run < runs; run++)
		run_program(run);
	say("@@ done\n");
	flush_out();
	sync();
	reboot(RB_POWER_OFF);
	return 0;
}
