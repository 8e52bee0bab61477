/* A tiny kernel-like routine for the binary-translation reader's tests (tests/test_x86_reader.py).
   Built with gcc -m32 / -m64 -O1 -masm=intel, disassembled with objdump -d -M intel. */
static int ticks;

static void __attribute__((noinline)) helper(void);
extern void panic(void);

void kernel_entry(unsigned long page_directory, void *gdt)
{
    unsigned long flags;
    __asm__ volatile("pushf\n\tpop %0\n\tcli" : "=r"(flags));
    __asm__ volatile("mov cr3, %0" :: "r"(page_directory));
    __asm__ volatile("lgdt [%0]" :: "r"(gdt));
    helper();
    if (ticks > 100)
        panic();
    __asm__ volatile("push %0\n\tpopf" :: "r"(flags));
    __asm__ volatile("sti\n\thlt");
}

static void __attribute__((noinline)) helper(void) { ticks++; }

void interrupt_return(void)
{
#ifdef __x86_64__
    __asm__ volatile("iretq");
#else
    __asm__ volatile("iret");
#endif
}
