/// Runs a `LinearRegex` over lines: all NFA threads advance together one scalar at a time
/// (Pike VM without captures). Cost per line is O(length × program size); `work` counts
/// thread steps so a search can bound its total effort without reading a clock.
/// Not Sendable: it owns scratch space and belongs to one search.
public final class RegexMatcher {
    let regex: LinearRegex
    private var current: ThreadSet
    private var next: ThreadSet
    private var stack: [Int] = []
    /// Thread steps taken so far, over every line this matcher saw.
    public private(set) var work = 0
    /// Once `work` passes this, `matches` answers false at once and `exhausted` is set, so
    /// one huge line cannot outrun the caller's budget.
    public var budget = Int.max
    public private(set) var exhausted = false

    init(_ regex: LinearRegex) {
        self.regex = regex
        current = ThreadSet(capacity: regex.program.count)
        next = ThreadSet(capacity: regex.program.count)
    }

    /// True when some part of `line` matches.
    public func matches(_ line: Substring) -> Bool {
        let scalars = line.unicodeScalars
        var index = scalars.startIndex
        var previous: Unicode.Scalar? = nil
        current.removeAll()
        while true {
            if work > budget { exhausted = true; return false }
            let scalar: Unicode.Scalar? = index < scalars.endIndex ? scalars[index] : nil
            // Unanchored search: a new thread starts at every position.
            if addClosure(0, to: &current, previous: previous, next: scalar) { return true }
            guard let scalar else { return false }
            let after = scalars.index(after: index)
            let following: Unicode.Scalar? = after < scalars.endIndex ? scalars[after] : nil
            let folded = regex.ignoreCase ? LinearRegex.fold(scalar) : scalar
            next.removeAll()
            work += current.count
            for pc in current.members {
                let advances: Bool
                switch regex.program[pc] {
                case .scalar(let expected): advances = expected == folded
                case .any: advances = scalar != "\n"
                case .set(let index):
                    // A class is tried item by item: counted, or 1,000-item classes ran 500 s
                    // within a budget meant for about one.
                    work += regex.sets[index].items.count
                    advances = setContains(index, scalar)
                default: advances = false
                }
                if advances, addClosure(pc + 1, to: &next, previous: scalar, next: following) { return true }
            }
            swap(&current, &next)
            previous = scalar
            index = after
        }
    }

    private func setContains(_ index: Int, _ scalar: Unicode.Scalar) -> Bool {
        let set = regex.sets[index]
        if set.contains(scalar) { return true }
        guard regex.ignoreCase else { return false }
        let lower = LinearRegex.fold(scalar), upper = LinearRegex.upper(scalar)
        return (lower != scalar && set.contains(lower)) || (upper != scalar && set.contains(upper))
    }

    /// Adds `start` and everything reachable from it without consuming input; true when
    /// that reaches `match`.
    private func addClosure(_ start: Int, to set: inout ThreadSet, previous: Unicode.Scalar?, next: Unicode.Scalar?) -> Bool {
        stack.removeAll(keepingCapacity: true)
        stack.append(start)
        while let pc = stack.popLast() {
            guard set.insert(pc) else { continue }
            work += 1
            switch regex.program[pc] {
            case .match: return true
            case .jump(let target): stack.append(target)
            case .split(let first, let second): stack.append(second); stack.append(first)
            case .assert(let assertion):
                if Self.holds(assertion, previous: previous, next: next) { stack.append(pc + 1) }
            case .scalar, .any, .set: break
            }
        }
        return false
    }

    static func holds(_ assertion: LinearRegex.Assertion, previous: Unicode.Scalar?, next: Unicode.Scalar?) -> Bool {
        switch assertion {
        case .lineStart: return previous == nil
        case .lineEnd: return next == nil
        case .wordBoundary, .notWordBoundary:
            let boundary = (previous.map(LinearRegex.isWord) ?? false) != (next.map(LinearRegex.isWord) ?? false)
            return boundary == (assertion == .wordBoundary)
        }
    }
}

/// A sparse set of program counters: O(1) insert, membership and clear.
struct ThreadSet {
    private(set) var members: [Int] = []
    private var slot: [Int]

    init(capacity: Int) { slot = [Int](repeating: -1, count: capacity) }

    var count: Int { members.count }

    /// False when already present.
    mutating func insert(_ pc: Int) -> Bool {
        let at = slot[pc]
        if at >= 0, at < members.count, members[at] == pc { return false }
        slot[pc] = members.count
        members.append(pc)
        return true
    }

    mutating func removeAll() { members.removeAll(keepingCapacity: true) }
}
