/* tests.h - every unit test, in run order (runner.c). */
#define TESTS(X)		\
	X(ntable_map_4k)	\
	X(ntable_map_2m)	\
	X(ntable_split)		\
	X(ntable_free_all)	\
	X(ntable_nomem)		\
	X(gwalk_rights_all_combinations) \
	X(gwalk_rights_spot)	\
	X(gwalk_large_pages)	\
	X(gwalk_reserved_and_canonical)	\
	X(init_failures)		\
	X(enable_rollback)	\
	X(enable_same_value_and_ebusy) \
	X(vm_create_fails_at_every_allocation) \
	X(vm_ids_reused)	\
	X(vcpu_create_fails_at_every_allocation) \
	X(destroy_while_running)	\
	X(gmem_demand_backing)	\
	X(pageout_keeps_data)	\
	X(invalidation_local_vs_ipi) \
	X(shootdown_concurrent)	\
	X(pre_entry_flush)	\
	X(load_image)	\
	X(copyin_page_crossing)	\
	X(copyin_efault)	\
	X(copyinstr)		\
	X(copyin_faults_tables_in_once) \
	X(translate)	\
	X(hypercall_dispatch)	\
	X(serial_lines)		\
	X(ratelog)		\
	X(ctl_adjust)		\
	X(cr_fixed)		\
	X(fmt)			\
	X(exit_stats)		\
	X(guest_cpuid)		\
	X(exit_error)
