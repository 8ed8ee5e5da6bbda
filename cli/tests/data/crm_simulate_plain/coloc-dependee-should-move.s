Using the original execution date of: 2019-10-22 20:53:06Z
[ rhel7-1 rhel7-2 rhel7-3 rhel7-4 rhel7-5 ]

Fencing	(stonith:fence_xvm):	 Started rhel7-2
FencingFail	(stonith:fence_dummy):	 Started rhel7-1
dummy1a	(ocf:pacemaker:Dummy):	 Started rhel7-3
dummy1b	(ocf:heartbeat:Dummy):	 Started rhel7-3
dummy1c	(ocf:heartbeat:Dummy):	 Started rhel7-3
dummy1d	(ocf:heartbeat:Dummy):	 Started rhel7-3
dummy2a	(ocf:pacemaker:Dummy):	 Started rhel7-4
dummy2b	(ocf:heartbeat:Dummy):	 Started rhel7-4
dummy2c	(ocf:heartbeat:Dummy):	 Started rhel7-4
dummy2d	(ocf:heartbeat:Dummy):	 Started rhel7-4

pcmk__primitive_assign: Fencing allocation score on rhel7-1: 0
pcmk__primitive_assign: Fencing allocation score on rhel7-2: INFINITY
pcmk__primitive_assign: Fencing allocation score on rhel7-3: 0
pcmk__primitive_assign: Fencing allocation score on rhel7-4: 0
pcmk__primitive_assign: Fencing allocation score on rhel7-5: 0
pcmk__primitive_assign: FencingFail allocation score on rhel7-1: 1000
pcmk__primitive_assign: FencingFail allocation score on rhel7-2: 0
pcmk__primitive_assign: FencingFail allocation score on rhel7-3: 0
pcmk__primitive_assign: FencingFail allocation score on rhel7-4: 0
pcmk__primitive_assign: FencingFail allocation score on rhel7-5: 0
pcmk__group_assign: dummy1 allocation score on rhel7-1: 0
pcmk__group_assign: dummy1 allocation score on rhel7-2: 0
pcmk__group_assign: dummy1 allocation score on rhel7-3: 0
pcmk__group_assign: dummy1 allocation score on rhel7-4: 0
pcmk__group_assign: dummy1 allocation score on rhel7-5: 0
pcmk__group_assign: dummy1a allocation score on rhel7-1: 0
pcmk__group_assign: dummy1a allocation score on rhel7-2: 0
pcmk__group_assign: dummy1a allocation score on rhel7-3: 1000
pcmk__group_assign: dummy1a allocation score on rhel7-4: 0
pcmk__group_assign: dummy1a allocation score on rhel7-5: 0
pcmk__group_assign: dummy1b allocation score on rhel7-1: 0
pcmk__group_assign: dummy1b allocation score on rhel7-2: 0
pcmk__group_assign: dummy1b allocation score on rhel7-3: 1000
pcmk__group_assign: dummy1b allocation score on rhel7-4: 0
pcmk__group_assign: dummy1b allocation score on rhel7-5: 0
pcmk__group_assign: dummy1c allocation score on rhel7-1: 0
pcmk__group_assign: dummy1c allocation score on rhel7-2: 0
pcmk__group_assign: dummy1c allocation score on rhel7-3: 1000
pcmk__group_assign: dummy1c allocation score on rhel7-4: 0
pcmk__group_assign: dummy1c allocation score on rhel7-5: 0
pcmk__group_assign: dummy1d allocation score on rhel7-1: 0
pcmk__group_assign: dummy1d allocation score on rhel7-2: 0
pcmk__group_assign: dummy1d allocation score on rhel7-3: 1000
pcmk__group_assign: dummy1d allocation score on rhel7-4: 0
pcmk__group_assign: dummy1d allocation score on rhel7-5: 0
pcmk__primitive_assign: dummy1a allocation score on rhel7-1: 0
pcmk__primitive_assign: dummy1a allocation score on rhel7-2: 0
pcmk__primitive_assign: dummy1a allocation score on rhel7-3: 4000
pcmk__primitive_assign: dummy1a allocation score on rhel7-4: 3004
pcmk__primitive_assign: dummy1a allocation score on rhel7-5: 0
pcmk__primitive_assign: dummy1b allocation score on rhel7-1: -INFINITY
pcmk__primitive_assign: dummy1b allocation score on rhel7-2: -INFINITY
pcmk__primitive_assign: dummy1b allocation score on rhel7-3: 3000
pcmk__primitive_assign: dummy1b allocation score on rhel7-4: -INFINITY
pcmk__primitive_assign: dummy1b allocation score on rhel7-5: -INFINITY
pcmk__primitive_assign: dummy1c allocation score on rhel7-1: -INFINITY
pcmk__primitive_assign: dummy1c allocation score on rhel7-2: -INFINITY
pcmk__primitive_assign: dummy1c allocation score on rhel7-3: 2000
pcmk__primitive_assign: dummy1c allocation score on rhel7-4: -INFINITY
pcmk__primitive_assign: dummy1c allocation score on rhel7-5: -INFINITY
pcmk__primitive_assign: dummy1d allocation score on rhel7-1: -INFINITY
pcmk__primitive_assign: dummy1d allocation score on rhel7-2: -INFINITY
pcmk__primitive_assign: dummy1d allocation score on rhel7-3: 1000
pcmk__primitive_assign: dummy1d allocation score on rhel7-4: -INFINITY
pcmk__primitive_assign: dummy1d allocation score on rhel7-5: -INFINITY
pcmk__group_assign: dummy2 allocation score on rhel7-1: 0
pcmk__group_assign: dummy2 allocation score on rhel7-2: 0
pcmk__group_assign: dummy2 allocation score on rhel7-3: 0
pcmk__group_assign: dummy2 allocation score on rhel7-4: 0
pcmk__group_assign: dummy2 allocation score on rhel7-5: 0
pcmk__group_assign: dummy2a allocation score on rhel7-1: 0
pcmk__group_assign: dummy2a allocation score on rhel7-2: 0
pcmk__group_assign: dummy2a allocation score on rhel7-3: 0
pcmk__group_assign: dummy2a allocation score on rhel7-4: 1000
pcmk__group_assign: dummy2a allocation score on rhel7-5: 0
pcmk__group_assign: dummy2b allocation score on rhel7-1: 0
pcmk__group_assign: dummy2b allocation score on rhel7-2: 0
pcmk__group_assign: dummy2b allocation score on rhel7-3: 0
pcmk__group_assign: dummy2b allocation score on rhel7-4: 1000
pcmk__group_assign: dummy2b allocation score on rhel7-5: 0
pcmk__group_assign: dummy2c allocation score on rhel7-1: 0
pcmk__group_assign: dummy2c allocation score on rhel7-2: 0
pcmk__group_assign: dummy2c allocation score on rhel7-3: 0
pcmk__group_assign: dummy2c allocation score on rhel7-4: 1000
pcmk__group_assign: dummy2c allocation score on rhel7-5: 0
pcmk__group_assign: dummy2d allocation score on rhel7-1: 0
pcmk__group_assign: dummy2d allocation score on rhel7-2: 0
pcmk__group_assign: dummy2d allocation score on rhel7-3: 0
pcmk__group_assign: dummy2d allocation score on rhel7-4: 1000
pcmk__group_assign: dummy2d allocation score on rhel7-5: 0
pcmk__primitive_assign: dummy2a allocation score on rhel7-1: 0
pcmk__primitive_assign: dummy2a allocation score on rhel7-2: 0
pcmk__primitive_assign: dummy2a allocation score on rhel7-3: 4001
pcmk__primitive_assign: dummy2a allocation score on rhel7-4: 4000
pcmk__primitive_assign: dummy2a allocation score on rhel7-5: 0
pcmk__primitive_assign: dummy2b allocation score on rhel7-1: -INFINITY
pcmk__primitive_assign: dummy2b allocation score on rhel7-2: -INFINITY
pcmk__primitive_assign: dummy2b allocation score on rhel7-3: 0
pcmk__primitive_assign: dummy2b allocation score on rhel7-4: -INFINITY
pcmk__primitive_assign: dummy2b allocation score on rhel7-5: -INFINITY
pcmk__primitive_assign: dummy2c allocation score on rhel7-1: -INFINITY
pcmk__primitive_assign: dummy2c allocation score on rhel7-2: -INFINITY
pcmk__primitive_assign: dummy2c allocation score on rhel7-3: 0
pcmk__primitive_assign: dummy2c allocation score on rhel7-4: -INFINITY
pcmk__primitive_assign: dummy2c allocation score on rhel7-5: -INFINITY
pcmk__primitive_assign: dummy2d allocation score on rhel7-1: -INFINITY
pcmk__primitive_assign: dummy2d allocation score on rhel7-2: -INFINITY
pcmk__primitive_assign: dummy2d allocation score on rhel7-3: 0
pcmk__primitive_assign: dummy2d allocation score on rhel7-4: -INFINITY
pcmk__primitive_assign: dummy2d allocation score on rhel7-5: -INFINITY

Move       dummy2a     ( rhel7-4 -> rhel7-3 )
Move       dummy2b     ( rhel7-4 -> rhel7-3 )
Move       dummy2c     ( rhel7-4 -> rhel7-3 )
Move       dummy2d     ( rhel7-4 -> rhel7-3 )
