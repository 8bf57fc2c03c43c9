/** The work took longer than its deadline; it may still finish, but nobody waits for it any more. */
export class DeadlineExceeded extends Error {}

/** Settles like `work`, or rejects with DeadlineExceeded after `ms`, whichever comes first. */
export const withDeadline = <T>(work: Promise<T>, ms: number, what: string): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new DeadlineExceeded(`${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
};
