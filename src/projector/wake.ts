/** A loop's pause that a wake-up ends early; a wake-up that comes while the loop is busy is kept, so the
 * next pause ends at once and no signal is lost. */
export const wakeable = () => {
  let woken = false;
  let wakeUp: () => void = () => {
    woken = true;
  };
  return {
    pause: (ms: number) =>
      new Promise<void>((resolve) => {
        if (woken) {
          woken = false;
          resolve();
          return;
        }
        const timer = setTimeout(done, ms);
        function done() {
          clearTimeout(timer);
          wakeUp = () => {
            woken = true;
          };
          resolve();
        }
        wakeUp = done;
      }),
    wake: () => wakeUp(),
  };
};

/** `wake` called at most once per `everyMs`; a signal inside the window is carried to its end. */
export const throttled = (wake: () => void, everyMs: number) => {
  let last = 0;
  let timer: NodeJS.Timeout | undefined;
  const fire = () => {
    timer = undefined;
    last = Date.now();
    wake();
  };
  return {
    signal: () => {
      if (timer !== undefined) return;
      const wait = last + everyMs - Date.now();
      if (wait <= 0) fire();
      else timer = setTimeout(fire, wait);
    },
    cancel: () => clearTimeout(timer),
  };
};
