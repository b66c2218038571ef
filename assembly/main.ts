// Your kernel. `make` builds it, `make qemu` boots it: main() runs on core 0
// once all four cores are online (it spawns tasks and returns; the core then
// runs its executor), and an exported worker(core), if there is one, on
// cores 1-3 (without one they run their executor).
//
// Until you write your own, it is the tour of the library,
// examples/tour/main.ts (a heartbeat, a computation over four cores, a
// pipeline, the drivers). Replace this line with your code, or start from
// one of examples/*/main.ts; `make qemu APP=path/to/main.ts` runs a kernel
// kept anywhere else. make test does not depend on what is here.
export { main } from "../examples/tour/main";
