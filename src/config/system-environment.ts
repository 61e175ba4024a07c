/**
 * What a child process of Omni's (a bench's `omni api`, `omni worker`) needs from this one besides
 * Omni's own variables: where programs are and the home folder. Read here, with the rest of the
 * environment, so that a child is given exactly its configuration and these two.
 */
export function systemEnvironment(): { PATH: string; HOME: string } {
  return { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' };
}
