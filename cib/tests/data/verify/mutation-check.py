#!/usr/bin/env python3
"""Robustness check beyond the corpus: mutate scheduler-corpus CIBs (flip stonith-enabled, fail an
operation, drop a node_state, take a node offline, break a score, duplicate an operation, change
on-fail, drop quorum, truncate the file, ...) and compare accept/reject of our crm_verify with the
installed Pacemaker one.

Usage: mutation-check.py OUR_CRM_VERIFY [CORPUS_XML_DIR] [SEEDS]
       e.g. mutation-check.py /work/targets/verify/debug/crm_verify /work/shared/scheduler-corpus/xml 1-10
"""
import glob, os, random, re, subprocess, sys, tempfile

def mutations():
    def sub_one(pattern, repl):
        def m(t):
            found = list(re.finditer(pattern, t))
            if not found:
                return None
            x = random.choice(found)
            return t[:x.start()] + (repl(x) if callable(repl) else repl) + t[x.end():]
        return m
    def flip_stonith(t):
        for a, b in (('value="false"', 'value="true"'), ('value="true"', 'value="false"')):
            key = 'name="stonith-enabled" ' + a
            if key in t:
                return t.replace(key, 'name="stonith-enabled" ' + b, 1)
        return None
    def dup_op(t):
        found = list(re.finditer(r'<op [^>]*interval="[1-9][^"]*"[^>]*/>', t))
        if not found:
            return None
        x = random.choice(found)
        return t[:x.end()] + re.sub(r'id="([^"]*)"', r'id="\1-dup"', x.group(0), count=1) + t[x.end():]
    def truncate(t):
        lines = t.split('\n')
        return '\n'.join(lines[:random.randint(len(lines) // 2, len(lines) - 1)]) + '\n'
    def drop_quorum(t):
        for a, b in (('have-quorum="1"', 'have-quorum="0"'), ('have-quorum="true"', 'have-quorum="false"')):
            if a in t:
                return t.replace(a, b, 1)
        return None
    return {
        'fail-op': sub_one(r'rc-code="0"', 'rc-code="1"'),
        'flip-stonith': flip_stonith,
        'drop-state': sub_one(r'<node_state [^>]*/>', ''),
        'crmd-offline': sub_one(r'crmd="online"', 'crmd="offline"'),
        'leave-membership': sub_one(r'in_ccm="true"', 'in_ccm="false"'),
        'expect-up': sub_one(r'expected="down"', 'expected="member"'),
        'bad-score': sub_one(r'(?<=score=")[^"]*(?=")', lambda x: random.choice(['abc', 'INF', '1.5', '+INFINITY', '-5'])),
        'drop-primitive': sub_one(r'<primitive [^>]*/>', ''),
        'dup-op': dup_op,
        'on-fail': sub_one(r'<op (?=[^>]*name="(?:stop|start|monitor)")',
                           lambda x: '<op on-fail="%s" ' % random.choice(['fence', 'stop', 'block', 'standby', 'bogus'])),
        'drop-quorum': drop_quorum,
        'truncate': truncate,
    }

def verdict(binary, path):
    return subprocess.run([binary, '-x', path], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode

def main():
    ours = sys.argv[1]
    corpus = sys.argv[2] if len(sys.argv) > 2 else '/work/shared/scheduler-corpus/xml'
    lo, _, hi = (sys.argv[3] if len(sys.argv) > 3 else '1-4').partition('-')
    files = sorted(glob.glob(os.path.join(corpus, '*.xml')))
    agree = total = 0
    with tempfile.TemporaryDirectory() as tmp:
        for seed in range(int(lo), int(hi or lo) + 1):
            random.seed(seed)
            for f in random.sample(files, min(250, len(files))):
                name, mutate = random.choice(sorted(mutations().items()))
                text = open(f).read()
                mutated = mutate(text)
                if mutated is None or mutated == text:
                    continue
                path = os.path.join(tmp, '%s__%s.xml' % (os.path.basename(f)[:-4], name))
                open(path, 'w').write(mutated)
                theirs, mine = verdict('/usr/sbin/crm_verify', path), verdict(ours, path)
                total += 1
                if (theirs == 0) == (mine == 0) and (theirs == 1) == (mine == 1):
                    agree += 1
                else:
                    print('disagree: seed %d %s pacemaker=%d ours=%d' % (seed, os.path.basename(path), theirs, mine))
    print('mutants: %d/%d agree' % (agree, total))

if __name__ == '__main__':
    main()
