title "FOLL_TOUCH: the pin's own folio_mark_accessed() defeats the migration on v5.18"
# pin_user_pages_remote(), _unlocked() and the fast path's fallback set
# FOLL_TOUCH: follow_page_pte() calls folio_mark_accessed() after taking the
# pin (mm/gup.c follow_page_pte()). On a referenced inactive folio that queues an
# lru_activate entry on the pinning CPU itself. Before v6.11 the folio keeps
# PG_lru while it waits there, so nothing is drained, and migration finds
# the batch's reference: -ENOMEM with no other CPU involved. v6.11 clears
# PG_lru at add (so collect drains); v6.17 drains on the refcount.
kernel v6.9
cpus 1

folio F anon zone=movable referenced
cpu0 gup_longterm F touch
expect result == ENOMEM @ v5.18 v6.9
expect result == ok @ v6.11 v6.14 will-v1 hugh-suggestion v6.17 v6.18 hugh-portmanteau
expect cpu0.lru_activate == [F] @ v5.18 v6.9
expect cpu0.lru_add == [F] @ v5.18 v6.9          # putback after the failed migration
expect F.refcount == 3 @ v5.18 v6.9              # map + two batch entries
expect F'.zone == normal @ v6.11 v6.14 will-v1 hugh-suggestion v6.17 v6.18 hugh-portmanteau
