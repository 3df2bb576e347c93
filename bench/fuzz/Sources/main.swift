import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif

// libFuzzer's driver, called from our own main (SwiftPM links an executable's main under
// --defsym; libFuzzer's FuzzerMain may win instead, which calls LLVMFuzzerTestOneInput below).
// Either way the target comes from FUZZ_TARGET and argv goes to libFuzzer unchanged:
// `FUZZ_TARGET=json triforce-fuzz -max_total_time=60 corpus/`.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<Int32>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32

guard FuzzTargets.selected != nil else {
    print("set FUZZ_TARGET to one of: \(FuzzTargets.all.keys.sorted().joined(separator: " "))")
    exit(2)
}
var count = CommandLine.argc
var arguments: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&count, &arguments) { data, size in LLVMFuzzerTestOneInput(data, size) })
