import FoundationEssentials

// libFuzzer's driver, called from our own main: the executable names a target as its first
// argument (`triforce-fuzz json -max_total_time=60 corpus/`), the rest goes to libFuzzer.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<Int32>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32

nonisolated(unsafe) var selected: ([UInt8]) -> Void = { _ in }

let arguments = CommandLine.arguments
guard arguments.count >= 2, let target = FuzzTargets.all[arguments[1]] else {
    print("usage: triforce-fuzz TARGET [libFuzzer options] [corpus dirs]; targets: \(FuzzTargets.all.keys.sorted().joined(separator: " "))")
    exit(2)
}
selected = target

// argv for libFuzzer: the program name, then everything after the target name.
var cArguments: [UnsafeMutablePointer<CChar>?] = ([arguments[0]] + arguments.dropFirst(2)).map { strdup($0) } + [nil]
var count = Int32(cArguments.count - 1)
let status = cArguments.withUnsafeMutableBufferPointer { buffer -> Int32 in
    var base = buffer.baseAddress
    return LLVMFuzzerRunDriver(&count, &base) { data, size in
        selected(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
        return 0
    }
}
exit(status)
