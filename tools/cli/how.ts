// How to ask for something, in the words of where the user is: `make …` in
// this repository, `npx tspi …` in a kernel's own project (the Makefile runs
// the tools with TSPI_PROJECT set there).
export function how(make: string, tspi: string): string {
  return process.env.TSPI_PROJECT ? `npx tspi ${tspi}` : `make ${make}`;
}
