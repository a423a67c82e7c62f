/** A counting semaphore: bounds the channels open at once on one SSH connection (MaxSessions). */
export class Semaphore {
  private waiting: (() => void)[] = [];
  private used = 0;

  constructor(private readonly size: number) {}

  async acquire(): Promise<() => void> {
    if (this.used < this.size) this.used++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      // Hand the slot straight to the next waiter; otherwise free it.
      if (next) next();
      else this.used--;
    };
  }
}
