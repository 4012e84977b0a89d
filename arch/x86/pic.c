/*
 * The legacy 8259 PICs.  Amphi takes its interrupts from the local APIC,
 * but the firmware leaves the PICs delivering IRQ 0-7 on vectors 8-15, the
 * CPU's exception vectors: a PIT tick would arrive as a double fault.  So
 * the PICs are reprogrammed to vectors 0x20-0x2f and every line masked.
 * Those vectors still get a handler, because a masked 8259 can still send a
 * spurious IRQ 7 or 15, which must not be acknowledged, and anything else
 * arriving there means a line came unmasked and is worth saying once.
 */
#include <amphi/printk.h>
#include <asm/apic.h>
#include <asm/irq.h>
#include <asm/x86.h>

#define PIC1_CMD 0x20
#define PIC1_DATA 0x21
#define PIC2_CMD 0xa0
#define PIC2_DATA 0xa1

#define ICW1_INIT 0x10
#define ICW1_ICW4 0x01 /* an ICW4 follows */
#define ICW3_MASTER_SLAVE_ON_IRQ2 0x04
#define ICW3_SLAVE_ID 0x02
#define ICW4_8086 0x01
#define OCW3_READ_ISR 0x0b
#define PIC_EOI 0x20

static uint16_t pic_reported;

/* The 8259 needs a moment between writes on old boards; a write to the
 * POST port takes about a microsecond on any PC. */
static void pic_io_wait(void)
{
	outb(0x80, 0);
}

static void pic_write(uint16_t port, uint8_t val)
{
	outb(port, val);
	pic_io_wait();
}

static uint8_t pic_isr(uint16_t cmd_port)
{
	outb(cmd_port, OCW3_READ_ISR);
	return inb(cmd_port);
}

static void pic_eoi(unsigned int irq)
{
	if (irq >= 8)
		outb(PIC2_CMD, PIC_EOI);
	outb(PIC1_CMD, PIC_EOI);
}

/* A spurious IRQ 7 or 15 has no ISR bit; a spurious 15 still took the
 * master's cascade line, which does need its EOI. */
static bool pic_spurious(unsigned int irq)
{
	if (irq == 7 && !(pic_isr(PIC1_CMD) & 0x80))
		return true;
	if (irq == 15 && !(pic_isr(PIC2_CMD) & 0x80)) {
		outb(PIC1_CMD, PIC_EOI);
		return true;
	}
	return false;
}

static void pic_irq(struct trap_frame *f, void *arg)
{
	unsigned int irq = (unsigned int)(uintptr_t)arg;

	if ((irq == 7 || irq == 15) && pic_spurious(irq))
		return;
	if (!(pic_reported & (1u << irq))) {
		pic_reported |= 1u << irq;
		pr_err("pic: IRQ %u arrived although every PIC line is masked; "
		       "acknowledged and masked again\n",
		       irq);
	}
	pic_eoi(irq);
	outb(PIC1_DATA, 0xff);
	outb(PIC2_DATA, 0xff);
}

void pic_init(void)
{
	/* The four initialization words, master and slave in step. */
	pic_write(PIC1_CMD, ICW1_INIT | ICW1_ICW4);
	pic_write(PIC2_CMD, ICW1_INIT | ICW1_ICW4);
	pic_write(PIC1_DATA, PIC_VECTOR_BASE);
	pic_write(PIC2_DATA, PIC_VECTOR_BASE + 8);
	pic_write(PIC1_DATA, ICW3_MASTER_SLAVE_ON_IRQ2);
	pic_write(PIC2_DATA, ICW3_SLAVE_ID);
	pic_write(PIC1_DATA, ICW4_8086);
	pic_write(PIC2_DATA, ICW4_8086);
	/* Every line masked, the cascade too. */
	pic_write(PIC1_DATA, 0xff);
	pic_write(PIC2_DATA, 0xff);
	for (unsigned int irq = 0; irq < 16; irq++)
		irq_vector_register(PIC_VECTOR_BASE + irq, pic_irq, (void *)(uintptr_t)irq);
	pr_info("pic: 8259s remapped to vectors %#x-%#x, every line masked\n", PIC_VECTOR_BASE,
		PIC_VECTOR_BASE + 15);
}
