/// What this node's rollout service does next, decided from plain values so the rules can be
/// tested without processes: an unfinished trial comes first (gate it, or record that it
/// crashed), then a halt for the target, then the plan's turn.
enum RolloutDecision: Sendable, Equatable {
    /// Nothing to do now: why.
    case idle(String)
    /// The target failed somewhere: nobody moves until release.json names another version.
    case halted(RolloutHalt)
    /// This node's turn: fetch, verify, install, drain, exec the target on trial.
    case upgrade
    /// This process is the release on trial: run the health gate.
    case gate(RolloutTrial)
    /// A trial is recorded but another release is running: the trial release exited or
    /// crashed before its gate passed and the supervisor started `current` (the old one).
    case trialCrashed(RolloutTrial)

    static func decide(selfID: String, running: String, target: String?, trial: RolloutTrial?,
                       halt: RolloutHalt?, plan: RolloutPlan?) -> RolloutDecision {
        if let trial { return trial.version == running ? .gate(trial) : .trialCrashed(trial) }
        guard let target, let plan else { return .idle("release.json names no release") }
        if let halt, halt.version == target { return .halted(halt) }
        switch plan.step {
        case .halted(let halt): return .halted(halt)
        case .done: return .idle("every member runs \(target)")
        case .waiting(let reason): return .idle(reason)
        case .next(let id):
            guard id == selfID else { return .idle("member \(id) updates to \(target) first") }
            return running == target ? .idle("this node runs \(target)") : .upgrade
        }
    }
}
