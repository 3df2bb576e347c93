import Glibc

/// One running suspicion (Lifeguard): its deadline starts long and shrinks, on a log scale,
/// with each independent member that also suspects, down to `minimum` after `expected`
/// confirmations. Only distinct link-authenticated members count, so one member repeating
/// itself (or lying) moves the deadline at most one step.
struct Suspicion: Sendable, Equatable {
    let start: Duration
    let minimum: Duration
    let maximum: Duration
    /// Confirmations that bring the timeout to `minimum`.
    let expected: Int
    /// Who has suspected so far (the first suspecter included).
    private(set) var confirmers: Set<String>
    /// Someone passed on the member's own "left": it ends as left, not dead (in a sparse
    /// mesh most members hear a graceful leave second-hand, which only a suspicion may carry).
    var claimedLeft = false

    init(start: Duration, minimum: Duration, maximum: Duration, expected: Int, firstConfirmer: String) {
        self.start = start
        self.minimum = minimum
        self.maximum = maximum
        self.expected = expected
        confirmers = [firstConfirmer]
    }

    /// Adds a confirmer; true when it is new.
    mutating func confirm(_ member: String) -> Bool { confirmers.insert(member).inserted }

    /// Independent confirmations beyond the first suspecter.
    var confirmations: Int { confirmers.count - 1 }

    var timeout: Duration {
        guard expected > 0 else { return minimum }
        let fraction = log(Double(confirmations) + 1) / log(Double(expected) + 1)
        let span = maximum - minimum
        let shrunk = maximum - span * min(1, fraction)
        return max(minimum, shrunk)
    }

    var deadline: Duration { start + timeout }

    /// Lifeguard's bounds for a mesh of `members` (self included).
    static func bounds(timing: MembershipTiming, members: Int) -> (minimum: Duration, maximum: Duration) {
        let scale = max(1.0, log10(Double(max(1, members))))
        let minimum = timing.probeInterval * (Double(timing.suspicionMultiplier) * scale)
        return (minimum, minimum * timing.suspicionMaxMultiplier)
    }
}
