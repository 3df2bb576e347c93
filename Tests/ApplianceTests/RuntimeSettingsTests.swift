import Glibc
import Testing

/// CStartup's constructor runs in every binary that links the appliance, this test bundle too.
@Suite struct RuntimeSettingsTests {
    @Test func constructorSetsTheTaskAllocatorSwitchAndKeepsTheArguments() {
        // Set by the constructor (to "0") unless the environment already had it: an operator's
        // value wins.
        let value = getenv("SWIFT_DEBUG_ENABLE_TASK_SLAB_ALLOCATOR").map { String(cString: $0) }
        #expect(value != nil)
        // setenv moved `environ`, next to which the runtime looks for argv on Linux: the
        // constructor handed argv over first, so the arguments are all still there.
        #expect(!CommandLine.arguments.isEmpty)
        #expect(CommandLine.arguments.first?.isEmpty == false)
    }
}
