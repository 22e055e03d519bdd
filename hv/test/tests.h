/* tests.h - every unit test, in run order (runner.c). */
#define TESTS(X)		\
	X(ntable_map_4k)	\
	X(ntable_map_2m)	\
	X(ntable_split)		\
	X(ntable_free_all)	\
	X(ntable_nomem)
