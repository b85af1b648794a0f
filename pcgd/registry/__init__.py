"""School and learner registry (schools, classes, teachers, facilities, learners)."""
