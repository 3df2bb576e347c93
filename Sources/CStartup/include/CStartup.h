// CStartup has no API: its one object file carries a constructor (startup.c) that sets what
// the Swift runtime reads once from the environment, before Swift code runs.
