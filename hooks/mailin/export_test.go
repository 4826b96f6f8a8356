package mailin

// SetAfterCommit makes the workers run fn between a message's commit and
// its move (tests: a crash there).
func SetAfterCommit(s *Service, fn func(uid uint32) error) { s.run.afterCommit = fn }
