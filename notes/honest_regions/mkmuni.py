import csv,sys,os,shutil
src,mun,out,ref=sys.argv[1],sys.argv[2],sys.argv[3],(sys.argv[4] if len(sys.argv)>4 else None)
os.makedirs(out,exist_ok=True)
rows=list(csv.reader(open(src+'/schools.csv')))
keep={r[0] for r in rows[1:] if r[2]==mun}
with open(out+'/schools.csv','w',newline='') as f:
    w=csv.writer(f); w.writerow(rows[0]); w.writerows(r for r in rows[1:] if r[0] in keep)
for fn in os.listdir(src):
    if fn.startswith('results'):
        with open(src+'/'+fn) as fi, open(out+'/'+fn,'w',newline='') as fo:
            r=csv.reader(fi); w=csv.writer(fo); w.writerow(next(r)); w.writerows(x for x in r if x[4] in keep)
for fn in ('tasks.csv','scales.csv'): shutil.copy(src+'/'+fn,out+'/'+fn)
if ref: shutil.copy(ref,out+'/reference.csv')
print(out,len(keep))
