import sys,re
from xml.etree import ElementTree as ET
data=open(sys.argv[1],errors='replace').read()
pats=['get_avgt_jmhStub','RcReader get','Snapshot get','MvccTable getGeneral','MvccTable getInline','HashIndex getInline']
ev=[]
for m in re.finditer(r"<task [^>]*>.*?</task>", data, re.S):
    chunk=m.group(0); head=chunk[:chunk.index('>')+1]
    if not any(p in head for p in pats): continue
    t=ET.fromstring(chunk)
    if t.get('level','4')!='4': continue
    klass={}; meth={}; last=[None]; inl=[]
    def walk(el,depth):
        for c in el:
            if c.tag=='klass': klass[c.get('id')]=c.get('name')
            elif c.tag=='method': meth[c.get('id')]=klass.get(c.get('holder'),'?').split('/')[-1].split('$')[-1]+'.'+c.get('name')
            elif c.tag=='call': last[0]=meth.get(c.get('method'),'?')
            elif c.tag in ('inline_fail','inline_success'):
                if any(s in last[0] for s in ('RcReader.get','Snapshot.get','getInline','getGeneral')):
                    inl.append(last[0]+('+' if c.tag=='inline_success' else '-'))
            elif c.tag=='parse': walk(c,depth+1)
    walk(t,0)
    done=t.find('task_done')
    ev.append((float(t.get('stamp')), 'C2 id=%s %s %s nm=%s  %s'%(t.get('compile_id'),t.get('compile_kind','') ,t.get('method').split(' ')[0].split('/')[-1].split('$')[-1]+'.'+t.get('method').split(' ')[1], done.get('nmsize') if done is not None else '?', ' '.join(inl))))
for m in re.finditer(r"<(make_not_entrant|uncommon_trap) ([^>]*)>", data):
    a=m.group(2)
    st=re.search(r"stamp='([0-9.]+)'",a)
    if st and (re.search(r"compile_id='(\d+)'",a)):
        ev.append((float(st.group(1)), m.group(1)+' '+' '.join(x for x in re.findall(r"(compile_id='\d+'|reason='[^']*'|method='[^']*'|action='[^']*'|bci='\d+')",a))))
ids=set(re.findall(r"id=(\d+)",' '.join(e[1] for e in ev if e[1].startswith('C2'))))
for s,e in sorted(ev):
    if e.startswith('C2') or any("compile_id='%s'"%i in e for i in ids): print('%8.3f'%s, e[:230])
