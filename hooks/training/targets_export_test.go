package training

// InAudience exposes the catalog's audience condition to the property test.
var InAudience = inAudience
