extension LinearRegex {
    /// Emits Thompson-construction code for a `Node`. The caller checked `programSize`, so
    /// counted repeats cannot blow the program up.
    struct Compiler {
        let ignoreCase: Bool
        var program: [Instruction] = []

        init(ignoreCase: Bool) { self.ignoreCase = ignoreCase }

        mutating func emit(_ node: Node) {
            switch node {
            case .empty:
                break
            case .scalar(let scalar):
                program.append(.scalar(ignoreCase ? LinearRegex.fold(scalar) : scalar))
            case .any:
                program.append(.any)
            case .set(let index):
                program.append(.set(index))
            case .assert(let assertion):
                program.append(.assert(assertion))
            case .concat(let nodes):
                for node in nodes { emit(node) }
            case .alternate(let branches):
                // split L1, next; L1: a; jump end; next: split L2, … ; last branch falls through.
                var jumps: [Int] = []
                for (index, branch) in branches.enumerated() {
                    if index < branches.count - 1 {
                        let split = program.count
                        program.append(.split(split + 1, -1))
                        emit(branch)
                        jumps.append(program.count)
                        program.append(.jump(-1))
                        program[split] = .split(split + 1, program.count)
                    } else {
                        emit(branch)
                    }
                }
                for jump in jumps { program[jump] = .jump(program.count) }
            case .repeating(let inner, let min, let max):
                for _ in 0..<min { emit(inner) }
                if let max {
                    // Optional copies: skipping one skips the rest (x(x(x)?)?)?.
                    var splits: [Int] = []
                    for _ in 0..<(max - min) {
                        splits.append(program.count)
                        program.append(.split(program.count + 1, -1))
                        emit(inner)
                    }
                    for split in splits { program[split] = .split(split + 1, program.count) }
                } else {
                    let loop = program.count
                    program.append(.split(loop + 1, -1))
                    emit(inner)
                    program.append(.jump(loop))
                    program[loop] = .split(loop + 1, program.count)
                }
            }
        }
    }
}
